-- Scale benchmark only: copies one real session (a DUMP taken from the store that wrote it) to many
-- ids, so memory is measured on exactly the layout each store writes. Not cluster-safe, on purpose.
-- ARGV: payload, ttlMs, keyPrefix, keySuffix, indexPrefix ('' = no index), indexScore,
--       expiryOverride ('' = keep), then (id, shard) pairs.
local payload, ttl, kp, ks, ip, score, exp = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local n = 0
for i = 8, #ARGV, 2 do
  local id = ARGV[i]
  local key = kp .. id .. ks
  redis.call('RESTORE', key, ttl, payload, 'REPLACE')
  if exp ~= '' then redis.call('HSET', key, 'expiry', exp) end
  if ip ~= '' then redis.call('ZADD', ip .. ARGV[i + 1], score, id) end
  n = n + 1
end
return n
