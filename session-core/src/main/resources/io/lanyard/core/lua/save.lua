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
-- -2 when the metadata is unreadable (nothing written).
-- One HMGET, one HSET, one HINCRBY and the TTL in the common case: each call into Redis costs.
local key = KEYS[1]
local now = tonumber(ARGV[1])
-- A count as Lanyard writes it: up to 15 digits. A stored expiry or version of another form (a
-- crafted 'inf', 'nan', a number near the 64-bit limit) would make PEXPIRE or HINCRBY fail after
-- the writes below, or leave the hash without a TTL: refused first, like unreadable metadata at load.
local function count(text)
  return text and #text <= 15 and string.match(text, '^%d+$') and tonumber(text)
end
local meta = redis.call('HMGET', key, 'expiry', 'accessed', 'maxInactive', 'version')
local expiry = count(meta[1])
if ARGV[3] == 'create' then
  if redis.call('EXISTS', key) == 1 then return -1 end
else
  if not meta[1] and redis.call('EXISTS', key) == 0 then return 0 end
  if not expiry or (meta[4] and not count(meta[4])) then return -2 end
  if expiry > 0 and expiry <= now then return 0 end
end
-- Metadata as given (a new record, or a container's copy): the pairs carry it, expiry included.
local given = ARGV[3] == 'create' or ARGV[4] == ''
local set = {}
local n = tonumber(ARGV[10])
local i = 11
for _ = 1, 2 * n do
  set[#set + 1] = ARGV[i]
  i = i + 1
end
local maxInactive = tonumber(meta[3])
if ARGV[8] == '1' then
  set[#set + 1] = 'maxInactive'; set[#set + 1] = ARGV[7]
  set[#set + 1] = 'expiry'; set[#set + 1] = ARGV[9]
  maxInactive = tonumber(ARGV[7])
  expiry = tonumber(ARGV[9])
end
if ARGV[5] ~= '' and tonumber(ARGV[5]) > (tonumber(meta[2]) or 0) and maxInactive == tonumber(ARGV[7]) then
  set[#set + 1] = 'lastAccessed'; set[#set + 1] = ARGV[6]
  set[#set + 1] = 'accessed'; set[#set + 1] = ARGV[5]
  set[#set + 1] = 'expiry'; set[#set + 1] = ARGV[9]
  expiry = tonumber(ARGV[9])
end
if ARGV[4] ~= '' then
  set[#set + 1] = 'node'; set[#set + 1] = ARGV[4] -- after the pairs: the last value of a field wins
end
-- In slices: Lua's unpack has a limit on the values it passes.
for s = 1, #set, 1000 do
  redis.call('HSET', key, unpack(set, s, math.min(s + 999, #set)))
end
local del = {}
while i <= #ARGV do
  del[#del + 1] = ARGV[i]
  i = i + 1
end
for s = 1, #del, 1000 do
  redis.call('HDEL', key, unpack(del, s, math.min(s + 999, #del)))
end
local version = redis.call('HINCRBY', key, 'version', 1)
if given then
  expiry = tonumber(redis.call('HGET', key, 'expiry'))
end
expiry = expiry or 0
if expiry > 0 then
  -- TTL from the time of this write; an already expired record still lives for the grace period.
  redis.call('PEXPIRE', key, string.format('%.0f', math.max(0, expiry - now) + tonumber(ARGV[2])))
else
  redis.call('PERSIST', key)
end
return version
