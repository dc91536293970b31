-- Load a session: read-only, so it runs as EVALSHA_RO (a read for replicas, Cluster and a full
-- Redis); the access is written separately, and only when due (touch.lua).
-- KEYS[1] session hash
-- ARGV[1] now (epoch ms)
-- ARGV[2] most fields  ARGV[3] most bytes (names + values): a larger hash is refused, not sent
-- ARGV[4] the version whose attributes the node holds, or '' (or nothing) for none; ARGV[5] with it, its stamp
-- Returns nil when absent; {5, accessed, lastAccessed, expiry, node} when the hash still holds that
--   version of that record: the node has its attributes and the fields only a save changes (which
--   increments the version), so only what a touch or a sign-out changes is sent. Otherwise
--   {status, HGETALL} with status 1 = live, 2 = expired, 3 = metadata unreadable, or
--   {4, fields, bytes} = too large (bytes -1 when refused by field count).
if ARGV[4] and ARGV[4] ~= '' then
  local m = redis.call('HMGET', KEYS[1], 'version', 'stamp', 'accessed', 'lastAccessed', 'expiry', 'node')
  if m[1] == ARGV[4] and m[2] == ARGV[5] then
    local size = 0
    for i = 3, 6 do size = size + (m[i] and #m[i] or 0) end
    if size <= tonumber(ARGV[3]) then return {5, m[3], m[4], m[5], m[6]} end
  end
end
local meta = redis.call('HMGET', KEYS[1], 'expiry', 'maxInactive', 'accessed')
if not meta[1] and not meta[2] and not meta[3] then
  if redis.call('EXISTS', KEYS[1]) == 0 then return false end
end
-- Sizes first, so that a hash written to hurt the nodes is never sent: HLEN is O(1); the byte
-- count is summed over the reply that is sent anyway.
local fields = redis.call('HLEN', KEYS[1])
if fields > tonumber(ARGV[2]) then return {4, fields, -1} end
local hash = redis.call('HGETALL', KEYS[1])
local bytes = 0
for i = 1, #hash do bytes = bytes + #hash[i] end
if bytes > tonumber(ARGV[3]) then return {4, fields, bytes} end
local expiry = tonumber(meta[1])
if not expiry or not tonumber(meta[2]) or not tonumber(meta[3]) then
  return {3, hash}
end
if expiry > 0 and expiry <= tonumber(ARGV[1]) then
  return {2, hash}
end
return {1, hash}
