-- Drop index entries of sessions this node deleted (invalidated), batched off the request path.
-- KEYS[1] expiry index shard
-- ARGV pairs: member, the deleted session's expiry (ms). An entry is removed only when its score
-- is at or before that expiry: an entry of a new session that reuses the id (Jetty reuses an id
-- another webapp still holds) is scored later, and stays.
local removed = 0
for i = 1, #ARGV, 2 do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) <= tonumber(ARGV[i + 1]) then
    removed = removed + redis.call('ZREM', KEYS[1], ARGV[i])
  end
end
return removed
