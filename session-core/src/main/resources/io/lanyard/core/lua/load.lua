-- Load a session and touch it, in one command (the whole cost of a read-only request).
-- KEYS[1] session hash
-- ARGV[1] now (epoch ms)  ARGV[2] grace (ms)  ARGV[3] node name
-- ARGV[4] most fields  ARGV[5] most bytes (names + values): a larger hash is refused, not sent
-- ARGV[6] 'peek' = read without touching
-- Returns nil when absent; otherwise {status, HGETALL as it was before the touch} with status
--   1 = loaded (and touched unless peek), 2 = expired (not touched), 3 = metadata unreadable (not
--   touched), or {4, fields, bytes} = too large (not touched; bytes -1 when refused by field count).
-- The caller applies the touch to its copy itself (it knows now, node and maxInactive), so it has
-- both: the times as persisted (Jetty's SessionData) and as they are after this access.
local meta = redis.call('HMGET', KEYS[1], 'expiry', 'maxInactive', 'accessed')
if not meta[1] and not meta[2] and not meta[3] then
  if redis.call('EXISTS', KEYS[1]) == 0 then return false end
end
-- Sizes first, so that a hash written to hurt the nodes is neither sent nor kept alive: HLEN is
-- O(1); the byte count is summed over the reply that is sent anyway.
local fields = redis.call('HLEN', KEYS[1])
if fields > tonumber(ARGV[4]) then return {4, fields, -1} end
local hash = redis.call('HGETALL', KEYS[1])
local bytes = 0
for i = 1, #hash do bytes = bytes + #hash[i] end
if bytes > tonumber(ARGV[5]) then return {4, fields, bytes} end
local expiry = tonumber(meta[1])
local maxInactive = tonumber(meta[2])
local accessed = tonumber(meta[3])
if not expiry or not maxInactive or not accessed then
  return {3, hash}
end
local now = tonumber(ARGV[1])
if expiry > 0 and expiry <= now then
  return {2, hash}
end
if ARGV[6] == 'peek' then
  return {1, hash}
end
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
return {1, hash}
