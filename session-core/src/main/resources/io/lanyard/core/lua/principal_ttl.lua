-- Keep a principal's index alive at least as long as one of its sessions: the expiry scan calls
-- this when it finds a session that was used past its indexed expiry.
-- KEYS[1] principal index   ARGV[1] how long it must live (ms)
-- Never shortens the TTL, never gives one to an index that has none (a session that never expires).
local left = redis.call('PTTL', KEYS[1])
if left >= 0 and left < tonumber(ARGV[1]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return left
