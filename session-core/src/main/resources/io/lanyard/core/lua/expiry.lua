-- Read a session's expiry field, bounded: a value too long to be a number (a crafted one of
-- megabytes) is not sent to the node.
-- KEYS[1] session hash   ARGV[1] longest value to return (bytes)
-- Returns nil when there is no such field, the value when it is at most ARGV[1] bytes, else -1.
if redis.call('HSTRLEN', KEYS[1], 'expiry') > tonumber(ARGV[1]) then
  return -1
end
return redis.call('HGET', KEYS[1], 'expiry')
