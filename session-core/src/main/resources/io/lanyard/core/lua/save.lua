-- Save a session's changes atomically (one command per writing request).
-- KEYS[1] session hash
-- ARGV[1] now (epoch ms)  ARGV[2] grace (ms)  ARGV[3] 'create' | 'update'
-- ARGV[4] node name, or '' when the pairs carry the node field (metadata written as given)
-- ARGV[5] new maxInactive seconds, or '' when unchanged
-- ARGV[6] n = number of field/value pairs that follow; then n pairs to set; then fields to delete.
-- Returns the new version (> 0); 0 when the session is gone or expired (nothing written: a save
-- never resurrects a session another node invalidated); -1 when 'create' finds the key taken;
-- -2 when the metadata is unreadable.
local now = tonumber(ARGV[1])
local exists = redis.call('EXISTS', KEYS[1])
if ARGV[3] == 'create' then
  if exists == 1 then return -1 end
else
  if exists == 0 then return 0 end
  local e = tonumber(redis.call('HGET', KEYS[1], 'expiry'))
  if not e then return -2 end
  if e > 0 and e <= now then return 0 end
end
local n = tonumber(ARGV[6])
local i = 7
for _ = 1, n do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  i = i + 2
end
while i <= #ARGV do
  redis.call('HDEL', KEYS[1], ARGV[i])
  i = i + 1
end
if ARGV[5] ~= '' then
  local mi = tonumber(ARGV[5])
  local accessed = tonumber(redis.call('HGET', KEYS[1], 'accessed')) or now
  local exp = 0
  if mi > 0 then exp = accessed + mi * 1000 end
  redis.call('HSET', KEYS[1], 'maxInactive', ARGV[5], 'expiry', string.format('%.0f', exp))
end
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'node', ARGV[4]) end
local expiry = tonumber(redis.call('HGET', KEYS[1], 'expiry')) or 0
if expiry > 0 then
  -- TTL from the time of this write; an already expired record still lives for the grace period.
  redis.call('PEXPIRE', KEYS[1], string.format('%.0f', math.max(0, expiry - now) + tonumber(ARGV[2])))
else
  redis.call('PERSIST', KEYS[1])
end
return version
