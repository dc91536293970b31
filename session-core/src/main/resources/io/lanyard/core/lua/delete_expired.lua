-- Delete a session hash only if it is (still) expired.
-- KEYS[1] session hash   ARGV[1] now (epoch ms)
-- Returns 1 when deleted, 0 otherwise.
local e = tonumber(redis.call('HGET', KEYS[1], 'expiry'))
if e and e > 0 and e <= tonumber(ARGV[1]) then
  return redis.call('DEL', KEYS[1])
end
return 0
