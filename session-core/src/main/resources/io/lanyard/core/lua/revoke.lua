-- Sign a session out: from now on it is expired for every node, whatever their clocks say.
-- KEYS[1] session hash
-- ARGV[1] principal ('' = whichever it belongs to: an operator's expire)  ARGV[2] now (ms)  ARGV[3] grace (ms)  ARGV[4] the expiry of a signed-out session
-- Returns 1 when signed out by this call; 0 when there is no such session; -1 when it belongs to
-- another principal now (a stale index entry: left alone); 2 when it had already expired or been
-- signed out (its expiry path runs its listeners).
-- The 'revoked' field hands the session's sessionDestroyed listeners to its 'r:<id>' entry in the
-- expiry index, which the caller added first: one claim of that entry runs them, once, with the
-- attributes readable (the hash lives for the grace period). A load finds the session expired at
-- once, and a save never writes to it again.
local f = redis.call('HMGET', KEYS[1], 'principal', 'expiry')
if not f[1] and not f[2] then
  if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
end
-- No principal field: a sign-in in progress (its index entry is written before its principal)
-- or a sign-out in progress. Signed out all the same: the sign-in's save then finds it gone.
if f[1] and ARGV[1] ~= '' and f[1] ~= ARGV[1] then return -1 end
local e = tonumber(f[2])
if e and e > 0 and e <= tonumber(ARGV[2]) then return 2 end
redis.call('HSET', KEYS[1], 'expiry', ARGV[4], 'revoked', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
