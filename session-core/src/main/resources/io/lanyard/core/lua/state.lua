-- Read a session's expiry, principal and revoked fields, bounded: a value longer than ARGV[1]
-- bytes (a crafted one of megabytes) is not sent to the node.
-- KEYS[1] session hash   ARGV[1] longest value to return (bytes)
-- Returns {expiry, principal, revoked}: each the value, nil when the field is absent, or -1 when
-- it is longer than ARGV[1].
local out = {}
for i, field in ipairs({'expiry', 'principal', 'revoked'}) do
  if redis.call('HSTRLEN', KEYS[1], field) > tonumber(ARGV[1]) then
    out[i] = -1
  else
    out[i] = redis.call('HGET', KEYS[1], field) -- false (nil) when absent
  end
end
return out
