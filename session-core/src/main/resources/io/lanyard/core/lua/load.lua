-- Load a session: read-only, so it runs as EVALSHA_RO (a read for replicas, Cluster and a full
-- Redis); the access is written separately, and only when due (touch.lua).
-- KEYS[1] session hash
-- ARGV[1] now (epoch ms)
-- ARGV[2] most fields  ARGV[3] most bytes (names + values): a larger hash is refused, not sent
-- ARGV[4] the version whose attributes the node holds, or '' for none; ARGV[5] with it, the creation time
-- Returns nil when absent; {5, metadata} when the hash still holds that version of that record (the
--   node has its attributes: nothing more is sent); otherwise {status, HGETALL} with status 1 = live,
--   2 = expired, 3 = metadata unreadable, or {4, fields, bytes} = too large (bytes -1 when refused by
--   field count). The metadata, in this order (the node parses it; nil where absent):
local meta = redis.call('HMGET', KEYS[1], 'created', 'lastAccessed', 'accessed', 'maxInactive', 'expiry', 'version',
  'node', 'principal', 'cookieSet')
if not meta[3] and not meta[4] and not meta[5] then
  if redis.call('EXISTS', KEYS[1]) == 0 then return false end
end
if ARGV[4] ~= '' and meta[6] == ARGV[4] and meta[1] == ARGV[5] then
  local size = 0
  for i = 1, 9 do size = size + (meta[i] and #meta[i] or 0) end
  if size <= tonumber(ARGV[3]) then return {5, meta} end
end
-- Sizes first, so that a hash written to hurt the nodes is never sent: HLEN is O(1); the byte
-- count is summed over the reply that is sent anyway.
local fields = redis.call('HLEN', KEYS[1])
if fields > tonumber(ARGV[2]) then return {4, fields, -1} end
local hash = redis.call('HGETALL', KEYS[1])
local bytes = 0
for i = 1, #hash do bytes = bytes + #hash[i] end
if bytes > tonumber(ARGV[3]) then return {4, fields, bytes} end
local expiry = tonumber(meta[5])
if not expiry or not tonumber(meta[4]) or not tonumber(meta[3]) then
  return {3, hash}
end
if expiry > 0 and expiry <= tonumber(ARGV[1]) then
  return {2, hash}
end
return {1, hash}
