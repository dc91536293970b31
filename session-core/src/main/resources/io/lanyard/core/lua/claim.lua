-- Claim due entries of one expiry-index shard, as leases.
-- KEYS[1] expiry index (sorted set: member = session id, score = expiry ms)
-- ARGV[1] now (epoch ms)  ARGV[2] lease (ms)  ARGV[3] max entries
-- Claimed entries are re-scored to now + lease: no other node sees them until the lease runs out,
-- and if this node dies before finishing, they become due again and another node picks them up.
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local untilMs = string.format('%.0f', tonumber(ARGV[1]) + tonumber(ARGV[2]))
for _, id in ipairs(due) do
  redis.call('ZADD', KEYS[1], untilMs, id)
end
return due
