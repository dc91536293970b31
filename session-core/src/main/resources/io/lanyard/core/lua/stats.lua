-- Add one node's counts to the application's cluster-wide figures, and read them all.
-- KEYS[1] the application's stats hash ({prefix}:{application}:stats)
-- ARGV[1] sessions created  ARGV[2] sessions expired  ARGV[3] sessions rejected
-- ARGV[4] sessions ended (alive times counted)  ARGV[5] their alive times summed (s)
-- ARGV[6] the longest of those alive times (s)  ARGV[7] sessions in the expiry index now
-- ARGV[8] the hash's time to live (s)
-- Counters are added (HINCRBY), maxima kept (max), so every node's deltas add up in any order.
-- The hash lives ARGV[8] seconds after the last refresh of any node (no hash without a TTL); its
-- TTL is renewed only when a day of it has passed, so a refresh with nothing to add writes nothing.
-- Returns {created, expired, rejected, ended, aliveSeconds, maxAliveSeconds, maxActive}.
-- A figure not written by Lanyard (up to 15 digits) starts again from 0: HINCRBY would fail on it
-- after the counters before it were added, and the node would add them again at its next refresh.
local function count(text)
  return text and #text <= 15 and string.match(text, '^%d+$') and tonumber(text)
end
local counters = {'created', 'expired', 'rejected', 'ended', 'aliveSeconds'}
local stored = redis.call('HMGET', KEYS[1], unpack(counters))
for i, field in ipairs(counters) do
  if stored[i] and not count(stored[i]) then redis.call('HDEL', KEYS[1], field) end
end
for i, field in ipairs(counters) do
  if ARGV[i] ~= '0' then redis.call('HINCRBY', KEYS[1], field, ARGV[i]) end
end
for i, field in ipairs({'maxAliveSeconds', 'maxActive'}) do
  local v = tonumber(ARGV[5 + i])
  if v > (count(redis.call('HGET', KEYS[1], field)) or -1) then redis.call('HSET', KEYS[1], field, ARGV[5 + i]) end
end
local ttl = tonumber(ARGV[8])
if redis.call('TTL', KEYS[1]) < ttl - 86400 then redis.call('EXPIRE', KEYS[1], ttl) end
return redis.call('HMGET', KEYS[1], 'created', 'expired', 'rejected', 'ended', 'aliveSeconds', 'maxAliveSeconds', 'maxActive')
