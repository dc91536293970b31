-- Write one request's access to a loaded session (sent only when the touch is due: TouchPolicy).
-- KEYS[1] session hash
-- ARGV[1] now (epoch ms)  ARGV[2] grace (ms)  ARGV[3] node name
-- ARGV[4] maxInactive seconds the expiry was computed for  ARGV[5] new expiry (epoch ms, 0 = never)
-- Returns 1 when written; 0 when nothing was written: the session is gone or expired (never
-- resurrected), its timeout changed meanwhile, or another node already wrote a later access.
local meta = redis.call('HMGET', KEYS[1], 'expiry', 'maxInactive', 'accessed')
-- Up to 15 digits, as Lanyard writes it: a crafted 'nan' compares false both ways and would pass.
local expiry = meta[1] and #meta[1] <= 15 and string.match(meta[1], '^%d+$') and tonumber(meta[1])
local now = tonumber(ARGV[1])
if not expiry or (expiry > 0 and expiry <= now) then return 0 end
if tonumber(meta[2]) ~= tonumber(ARGV[4]) then return 0 end
local accessed = tonumber(meta[3])
if not accessed or accessed >= now then return 0 end
local newExpiry = tonumber(ARGV[5])
redis.call('HSET', KEYS[1], 'lastAccessed', meta[3], 'accessed', ARGV[1], 'expiry', ARGV[5], 'node', ARGV[3])
if newExpiry > 0 then
  -- TTL from the time of this write: time left until expiry plus the grace period.
  redis.call('PEXPIRE', KEYS[1], string.format('%.0f', newExpiry - now + tonumber(ARGV[2])))
else
  redis.call('PERSIST', KEYS[1])
end
return 1
