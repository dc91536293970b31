-- Delete a session (invalidate) and say what the caller needs afterwards, in one command.
-- KEYS[1] session hash
-- Returns {1 when deleted else 0, principal, expiry, created} (fields nil when absent); the caller
-- then drops the session from that principal's index and from the expiry index (batched, later),
-- and counts its alive time.
local f = redis.call('HMGET', KEYS[1], 'principal', 'expiry', 'created')
return {redis.call('DEL', KEYS[1]), f[1], f[2], f[3]}
