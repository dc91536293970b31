package io.lanyard.testsupport;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * The expiry index's sharding as tests see it ({@code <prefix>:<application>:expiry:<shard>}, one
 * sorted set per shard). Computed here from the documented rule, independently of the production
 * code, so a test that finds a session's index entry also checks the layout.
 */
public final class ExpiryIndex {
    private ExpiryIndex() {
    }

    /** The shard of a session id: CRC-32 of the id's UTF-8 bytes, modulo the number of shards. */
    public static int shardOf(String id, int shards) {
        CRC32 crc = new CRC32();
        crc.update(id.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % shards);
    }
}
