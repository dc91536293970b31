-- Delete a session hash only if it is (still) expired.
-- KEYS[1] session hash   ARGV[1] now (epoch ms)
-- Returns 1 when deleted, -1 when there is no hash (or no readable expiry) to delete, 0 when the
-- session is live (not expired any more): then the caller keeps its index entry.
local e = tonumber(redis.call('HGET', KEYS[1], 'expiry'))
if not e then
  return -1 -- no hash, or no readable expiry: nothing this index entry can still be for
end
if e > 0 and e <= tonumber(ARGV[1]) then
  return redis.call('DEL', KEYS[1])
end
return 0
