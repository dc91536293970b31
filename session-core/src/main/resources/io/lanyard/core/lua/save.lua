-- Save a session's changes atomically (one command per writing request).
-- KEYS[1] session hash
-- ARGV[1] now (epoch ms)  ARGV[2] grace (ms)  ARGV[3] 'create' | 'update'
-- ARGV[4] node name, or '' when the pairs carry the node field (metadata written as given)
-- ARGV[5] this request's access (epoch ms), or '' for none  ARGV[6] with it, lastAccessed
-- ARGV[7] the session's maxInactive seconds  ARGV[8] '1' when that is a change to write, else ''
-- ARGV[9] the expiry the access and timeout give (epoch ms, 0 = never), used with ARGV[5] or ARGV[8]
-- ARGV[10] n = number of field/value pairs that follow; then n pairs to set; then fields to delete.
-- A writing request records its access at no extra command; only when it is newer than the stored
-- one and the expiry was computed for the stored timeout (another node may have touched the
-- session later, or changed its timeout).
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
local n = tonumber(ARGV[10])
local i = 11
for _ = 1, n do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  i = i + 2
end
while i <= #ARGV do
  redis.call('HDEL', KEYS[1], ARGV[i])
  i = i + 1
end
if ARGV[8] == '1' then
  redis.call('HSET', KEYS[1], 'maxInactive', ARGV[7], 'expiry', ARGV[9])
end
if ARGV[5] ~= '' then
  local m = redis.call('HMGET', KEYS[1], 'accessed', 'maxInactive')
  if tonumber(ARGV[5]) > (tonumber(m[1]) or 0) and tonumber(m[2]) == tonumber(ARGV[7]) then
    redis.call('HSET', KEYS[1], 'lastAccessed', ARGV[6], 'accessed', ARGV[5], 'expiry', ARGV[9])
  end
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
