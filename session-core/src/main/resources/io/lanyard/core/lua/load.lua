-- Load a session and touch it, in one command (the whole cost of a read-only request).
-- KEYS[1] session hash
-- ARGV[1] now (epoch ms)  ARGV[2] grace (ms)  ARGV[3] node name
-- Returns nil when absent; otherwise {status, HGETALL as it was before the touch} with status
--   1 = loaded and touched, 2 = expired (not touched), 3 = metadata unreadable (not touched).
-- The caller applies the touch to its copy itself (it knows now, node and maxInactive), so it has
-- both: the times as persisted (Jetty's SessionData) and as they are after this access.
local meta = redis.call('HMGET', KEYS[1], 'expiry', 'maxInactive', 'accessed', 'lastAccessed')
if not meta[1] and not meta[2] and not meta[3] then
  if redis.call('EXISTS', KEYS[1]) == 0 then return false end
end
local expiry = tonumber(meta[1])
local maxInactive = tonumber(meta[2])
local accessed = tonumber(meta[3])
if not expiry or not maxInactive or not accessed then
  return {3, redis.call('HGETALL', KEYS[1])}
end
local now = tonumber(ARGV[1])
if expiry > 0 and expiry <= now then
  return {2, redis.call('HGETALL', KEYS[1])}
end
local before = redis.call('HGETALL', KEYS[1])
local newExpiry = 0
if maxInactive > 0 then newExpiry = now + maxInactive * 1000 end
redis.call('HSET', KEYS[1], 'lastAccessed', meta[3], 'accessed', ARGV[1],
           'expiry', string.format('%.0f', newExpiry), 'node', ARGV[3])
if newExpiry > 0 then
  -- TTL from the time of this write: time left until expiry plus the grace period.
  redis.call('PEXPIRE', KEYS[1], string.format('%.0f', newExpiry - now + tonumber(ARGV[2])))
else
  redis.call('PERSIST', KEYS[1])
end
return {1, before}
