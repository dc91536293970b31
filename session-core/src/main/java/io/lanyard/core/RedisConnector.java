package io.lanyard.core;

import org.apache.commons.pool2.impl.GenericObjectPool;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.DefaultRedisCredentials;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisCredentials;
import redis.clients.jedis.RedisCredentialsProvider;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.FileInputStream;
import java.io.InputStream;
import java.security.KeyStore;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Builds Jedis clients for a {@link RedisEndpoint}: standalone, Sentinel or Cluster, with or
 * without TLS.
 *
 * <p>Everything that can be wrong in the configuration (the URI, an unreadable trust store or a
 * wrong trust store password) is checked when the connector is made, at store start, so a bad
 * setting stops the webapp with a {@link LanyardException.ConfigurationException} instead of
 * surfacing later as a Redis outage. {@link #connect()} only builds the client: it may be called
 * again after an outage to start over with fresh connections.
 *
 * <p>What Jedis does for us: Sentinel clients subscribe to {@code +switch-master} on every
 * sentinel and move their pool to the promoted replica; Cluster clients follow {@code MOVED}
 * (refreshing the slot map) and {@code ASK} (sending {@code ASKING}) within {@code maxAttempts}
 * and a total retry time bounded by the read timeout; TLS verifies the server certificate against
 * the trust store and its host name/IP (Jedis enables endpoint identification by default).
 *
 * <p>What we keep Jedis from doing: when a pooled connection breaks (a read timed out), commons-pool
 * opens its replacement at once, on the thread that returns the broken one, before the failure
 * reaches us. Against a frozen Redis (connections accepted, nothing answered) that replacement's
 * handshake waits one more read timeout, so a request would wait its read timeout twice.
 * {@link ReplacementGuard} refuses that one connection; the pool opens connections when they are
 * borrowed instead.
 */
final class RedisConnector {
    private final LanyardSettings settings;
    private final RedisEndpoint endpoint;
    private final JedisClientConfig clientConfig;
    private final JedisClientConfig sentinelConfig;
    private final Set<HostAndPort> hosts = new LinkedHashSet<>();

    // Jedis 8 deprecates ssl(boolean)/sslSocketFactory for SslOptions; these still work, and the factory built
    // from trustStore here is what TlsIT covers. Moving to SslOptions is a change of its own.
    @SuppressWarnings("deprecation")
    RedisConnector(LanyardSettings settings) {
        this.settings = settings;
        this.endpoint = RedisEndpoint.parse(settings.getRedisUri());
        SSLSocketFactory sslFactory = endpoint.tls() && !settings.getTrustStore().isEmpty() ? socketFactory(settings) : null;

        DefaultJedisClientConfig.Builder cfg = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(settings.getConnectTimeoutMillis())
                .socketTimeoutMillis(settings.getReadTimeoutMillis())
                .clientName("lanyard-" + settings.getNodeName().replaceAll("[^A-Za-z0-9._-]", "_"));
        cfg.credentialsProvider(new ReplacementGuard(endpoint.user(), endpoint.password()));
        if (endpoint.mode() != RedisEndpoint.Mode.CLUSTER) {
            cfg.database(endpoint.database());
        }
        if (endpoint.tls()) {
            cfg.ssl(true);
            if (sslFactory != null) {
                cfg.sslSocketFactory(sslFactory);
            }
        }
        this.clientConfig = cfg.build();

        // Sentinels usually run without the data nodes' ACL user; they share the timeouts and TLS.
        DefaultJedisClientConfig.Builder sentinelCfg = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(settings.getConnectTimeoutMillis())
                .socketTimeoutMillis(settings.getReadTimeoutMillis());
        if (endpoint.tls()) {
            sentinelCfg.ssl(true);
            if (sslFactory != null) {
                sentinelCfg.sslSocketFactory(sslFactory);
            }
        }
        this.sentinelConfig = sentinelCfg.build();

        for (RedisEndpoint.HostPort hp : endpoint.hosts()) {
            hosts.add(new HostAndPort(hp.host(), hp.port()));
        }
    }

    /**
     * A new client with an empty pool. Standalone clients connect lazily; Sentinel and Cluster
     * clients ask the sentinels / seed nodes for the topology here, so this may throw a
     * {@link redis.clients.jedis.exceptions.JedisException} while Redis is unreachable.
     */
    UnifiedJedis connect() {
        return switch (endpoint.mode()) {
            case STANDALONE -> RedisClient.builder()
                    .hostAndPort(hosts.iterator().next())
                    .clientConfig(clientConfig)
                    .poolConfig(poolConfig())
                    .build();
            case SENTINEL -> RedisSentinelClient.builder()
                    .masterName(endpoint.masterName())
                    .sentinels(hosts)
                    .clientConfig(clientConfig)
                    .sentinelClientConfig(sentinelConfig)
                    .poolConfig(poolConfig())
                    .build();
            case CLUSTER -> RedisClusterClient.builder()
                    .nodes(hosts)
                    .clientConfig(clientConfig)
                    .poolConfig(poolConfig())
                    .maxAttempts(5)
                    // MOVED/ASK redirections and failover retries share one bounded budget.
                    .maxTotalRetriesDuration(Duration.ofMillis(2L * settings.getReadTimeoutMillis()))
                    .build();
        };
    }

    private ConnectionPoolConfig poolConfig() {
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(settings.getPoolSize());
        pool.setMaxIdle(settings.getPoolSize());
        pool.setMinIdle(0);
        // A request never queues for a connection longer than it would wait for Redis itself.
        pool.setMaxWait(Duration.ofMillis(settings.getConnectTimeoutMillis()));
        pool.setTestWhileIdle(true);
        pool.setTimeBetweenEvictionRuns(Duration.ofSeconds(30));
        return pool;
    }

    /**
     * An operator-readable explanation of a TLS failure in {@code e}'s cause chain, or {@code null}
     * when it is not one. A TLS failure is almost always configuration, and the raw JSSE message
     * ("PKIX path building failed") does not say which setting to fix.
     */
    String describeTlsFailure(Throwable e) {
        SSLException ssl = null;
        boolean untrusted = false;
        boolean wrongHost = false;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SSLException s && ssl == null) {
                ssl = s;
            }
            if (t instanceof CertPathValidatorException
                    || t.getClass().getName().equals("sun.security.provider.certpath.SunCertPathBuilderException")) {
                untrusted = true;
            }
            if (t instanceof CertificateException && String.valueOf(t.getMessage()).contains("No subject alternative")) {
                wrongHost = true;
            }
        }
        if (ssl == null) {
            return null;
        }
        String store = settings.getTrustStore().isEmpty() ? "the JVM's default trust store (set trustStore to use your own)"
                : "trustStore '" + settings.getTrustStore() + "'";
        String why;
        if (wrongHost) {
            why = "the Redis server certificate does not name the host it was reached at (its subject alternative names"
                    + " must include the host or IP of the redisUri)";
        } else if (untrusted) {
            why = "the Redis server certificate is not trusted by " + store;
        } else if (ssl instanceof SSLHandshakeException) {
            why = "the TLS handshake failed (is this a TLS port? does the server require a client certificate?)";
        } else {
            why = "TLS error (is this a TLS port?)";
        }
        return "TLS handshake with Redis failed: " + why + " [" + ssl.getMessage() + "]";
    }

    private static SSLSocketFactory socketFactory(LanyardSettings settings) {
        try (InputStream in = new FileInputStream(settings.getTrustStore())) {
            KeyStore ks = KeyStore.getInstance(settings.getTrustStoreType());
            ks.load(in, settings.getTrustStorePassword().toCharArray());
            if (ks.size() == 0) {
                throw new LanyardException.ConfigurationException("trustStore '" + settings.getTrustStore()
                        + "' contains no certificates");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx.getSocketFactory();
        } catch (LanyardException.ConfigurationException e) {
            throw e;
        } catch (Exception e) {
            throw new LanyardException.ConfigurationException("cannot read trustStore '" + settings.getTrustStore()
                    + "' (type " + settings.getTrustStoreType() + "; wrong trustStorePassword or trustStoreType?): "
                    + e.getMessage());
        }
    }

    /**
     * The data nodes' credentials (the URI's user and password; no password, no {@code AUTH}),
     * refused to the connection commons-pool opens inside {@code invalidateObject} in place of a
     * broken one. Jedis asks for them after the TCP connect and before the first command of the
     * handshake, and closes the socket when they are refused, so the request that saw the
     * connection break fails after its own timeouts; the next borrow opens a connection as usual.
     * Should commons-pool stop replacing connections this way, the check simply never matches.
     */
    static final class ReplacementGuard implements RedisCredentialsProvider {
        /** Shading relocates the class, so its name is taken from the class itself. */
        private static final String POOL = GenericObjectPool.class.getName();
        private final RedisCredentials credentials;

        ReplacementGuard(String user, String password) {
            // A user without a password is sent as no credentials, as before this guard existed.
            this.credentials = new DefaultRedisCredentials(password == null ? null : user, password);
        }

        @Override
        public void prepare() {
            if (replacingBrokenConnection()) {
                throw new JedisConnectionException("Lanyard: no replacement for a broken pooled connection on the thread that"
                        + " returned it; the next borrow opens one");
            }
        }

        @Override
        public RedisCredentials get() {
            return credentials;
        }

        /** Only asked when a connection is opened: a walk of this thread's stack costs nothing next to the connect. */
        static boolean replacingBrokenConnection() {
            return StackWalker.getInstance().walk(frames -> frames.anyMatch(
                    f -> f.getMethodName().equals("invalidateObject") && f.getClassName().equals(POOL)));
        }
    }
}
