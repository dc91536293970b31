package io.lanyard.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test certificates made at test time with the JDK's {@code keytool} (always present, unlike
 * {@code openssl}): a self-signed server certificate for 127.0.0.1/localhost as PEM files for
 * {@code redis-server --tls-cert-file/--tls-key-file}, and PKCS12 trust stores for the client —
 * one that trusts the server and one that trusts an unrelated certificate.
 *
 * <pre>
 * TlsCertificates tls = TlsCertificates.create();
 * RedisServer redis = RedisServer.start(tls.redisServerArgs(tlsPort));
 * settings.setTrustStore(tls.trustStore().toString());
 * settings.setTrustStorePassword(TlsCertificates.PASSWORD);
 * </pre>
 */
public record TlsCertificates(Path dir, Path certPem, Path keyPem, Path trustStore, Path wrongTrustStore) {
    /** Password of both trust stores. */
    public static final String PASSWORD = "changeit";

    /** Makes a fresh set in a new temporary directory. */
    public static TlsCertificates create() {
        try {
            Path dir = Files.createTempDirectory("lanyard-tls");
            Path server = dir.resolve("server.p12");
            Path other = dir.resolve("other.p12");
            keytool("-genkeypair", "-alias", "redis", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                    "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                    "-keystore", server.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);
            keytool("-genkeypair", "-alias", "other", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                    "-dname", "CN=unrelated.example", "-ext", "SAN=dns:unrelated.example",
                    "-keystore", other.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);

            KeyStore ks = load(server);
            Certificate cert = ks.getCertificate("redis");
            PrivateKey key = (PrivateKey) ks.getKey("redis", PASSWORD.toCharArray());
            Path certPem = dir.resolve("redis.crt");
            Path keyPem = dir.resolve("redis.key");
            Files.writeString(certPem, pem("CERTIFICATE", cert.getEncoded()), StandardCharsets.US_ASCII);
            Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded()), StandardCharsets.US_ASCII);

            Path trust = dir.resolve("truststore.p12");
            Path wrongTrust = dir.resolve("wrong-truststore.p12");
            trustStoreWith(cert, trust);
            trustStoreWith(load(other).getCertificate("other"), wrongTrust);
            return new TlsCertificates(dir, certPem, keyPem, trust, wrongTrust);
        } catch (Exception e) {
            throw new IllegalStateException("cannot make test certificates", e);
        }
    }

    /** Arguments for {@link RedisServer#start(String...)}: also listen with TLS on {@code tlsPort}. */
    public String[] redisServerArgs(int tlsPort) {
        return new String[]{"--tls-port", String.valueOf(tlsPort), "--tls-cert-file", certPem.toString(),
                "--tls-key-file", keyPem.toString(), "--tls-auth-clients", "no"};
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> cmd = new java.util.ArrayList<>(List.of(keytool.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool failed: " + out);
        }
    }

    private static KeyStore load(Path p12) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        return ks;
    }

    private static void trustStoreWith(Certificate cert, Path out) throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("redis-ca", cert);
        try (OutputStream o = Files.newOutputStream(out)) {
            ts.store(o, PASSWORD.toCharArray());
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}
