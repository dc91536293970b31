-- Delete a session (invalidate) and say which principal it belonged to, in one command.
-- KEYS[1] session hash
-- Returns {1 when deleted else 0, the principal field or nil}; the caller then drops the session
-- from that principal's index.
local p = redis.call('HGET', KEYS[1], 'principal')
return {redis.call('DEL', KEYS[1]), p}
