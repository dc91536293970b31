package io.lanyard.core;

import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.UnifiedJedis;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.FileInputStream;
import java.io.InputStream;
import java.security.KeyStore;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;

/** Builds the Jedis client for a {@link RedisEndpoint}: standalone, Sentinel or Cluster, with or without TLS. */
final class RedisConnector {
    private RedisConnector() {
    }

    static UnifiedJedis connect(LanyardSettings settings) {
        RedisEndpoint ep = RedisEndpoint.parse(settings.getRedisUri());
        DefaultJedisClientConfig.Builder cfg = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(settings.getConnectTimeoutMillis())
                .socketTimeoutMillis(settings.getReadTimeoutMillis())
                .clientName("lanyard-" + settings.getNodeName().replaceAll("[^A-Za-z0-9._-]", "_"));
        if (ep.password() != null) {
            cfg.user(ep.user()).password(ep.password());
        }
        if (ep.mode() != RedisEndpoint.Mode.CLUSTER) {
            cfg.database(ep.database());
        }
        if (ep.tls()) {
            cfg.ssl(true);
            if (!settings.getTrustStore().isEmpty()) {
                cfg.sslSocketFactory(socketFactory(settings));
            }
        }
        JedisClientConfig clientConfig = cfg.build();

        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(settings.getPoolSize());
        pool.setMaxIdle(settings.getPoolSize());
        pool.setMinIdle(0);
        // A request never queues for a connection longer than it would wait for Redis itself.
        pool.setMaxWait(Duration.ofMillis(settings.getConnectTimeoutMillis()));
        pool.setTestWhileIdle(true);
        pool.setTimeBetweenEvictionRuns(Duration.ofSeconds(30));

        Set<HostAndPort> hosts = new LinkedHashSet<>();
        for (RedisEndpoint.HostPort hp : ep.hosts()) {
            hosts.add(new HostAndPort(hp.host(), hp.port()));
        }
        return switch (ep.mode()) {
            case STANDALONE -> RedisClient.builder()
                    .hostAndPort(hosts.iterator().next())
                    .clientConfig(clientConfig)
                    .poolConfig(pool)
                    .build();
            case SENTINEL -> {
                // Sentinels usually run without the data nodes' ACL user; they share the timeouts.
                DefaultJedisClientConfig.Builder sentinelCfg = DefaultJedisClientConfig.builder()
                        .connectionTimeoutMillis(settings.getConnectTimeoutMillis())
                        .socketTimeoutMillis(settings.getReadTimeoutMillis());
                if (ep.tls()) {
                    sentinelCfg.ssl(true);
                    if (!settings.getTrustStore().isEmpty()) {
                        sentinelCfg.sslSocketFactory(socketFactory(settings));
                    }
                }
                yield RedisSentinelClient.builder()
                        .masterName(ep.masterName())
                        .sentinels(hosts)
                        .clientConfig(clientConfig)
                        .sentinelClientConfig(sentinelCfg.build())
                        .poolConfig(pool)
                        .build();
            }
            case CLUSTER -> RedisClusterClient.builder()
                    .nodes(hosts)
                    .clientConfig(clientConfig)
                    .poolConfig(pool)
                    .maxAttempts(5)
                    // MOVED/ASK redirections and failover retries share one bounded budget.
                    .maxTotalRetriesDuration(Duration.ofMillis(2L * settings.getReadTimeoutMillis()))
                    .build();
        };
    }

    private static SSLSocketFactory socketFactory(LanyardSettings settings) {
        try (InputStream in = new FileInputStream(settings.getTrustStore())) {
            KeyStore ks = KeyStore.getInstance(settings.getTrustStoreType());
            ks.load(in, settings.getTrustStorePassword().toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx.getSocketFactory();
        } catch (Exception e) {
            throw new LanyardException.ConfigurationException("cannot read trustStore '" + settings.getTrustStore()
                    + "' (type " + settings.getTrustStoreType() + "): " + e.getMessage());
        }
    }
}
