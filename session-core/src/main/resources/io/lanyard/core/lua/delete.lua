-- Delete a session (invalidate) and say what the caller needs afterwards, in one command.
-- KEYS[1] session hash   ARGV[1] longest field value to return (bytes)
-- Returns {1 when deleted else 0, principal, expiry, created}: each field nil when absent or
-- longer than ARGV[1] (a crafted value of megabytes is not sent to the node). The caller then
-- drops the session from that principal's index and from the expiry index (batched, later), and
-- counts its alive time.
local f = {}
for i, field in ipairs({'principal', 'expiry', 'created'}) do
  f[i] = redis.call('HSTRLEN', KEYS[1], field) <= tonumber(ARGV[1]) and redis.call('HGET', KEYS[1], field)
end
return {redis.call('DEL', KEYS[1]), f[1], f[2], f[3]}
