-- Add a session to its principal's index and enforce the per-principal limit, in one command.
-- KEYS[1] principal index (sorted set: member = session id, score = sign-in or last known access, ms)
-- ARGV[1] session id  ARGV[2] now (ms)  ARGV[3] limit (0 = none)
-- ARGV[4] how long the index must live for this session (ms: its expiry + grace), -1 = it never expires
-- ARGV[5..] pairs: another session of the principal and its last access (ms), as the caller just read it
-- Returns the ids removed to respect the limit, least recently used first; the caller signs them out.
-- Scores only rise (GT), and XX never brings back an entry another node removed meanwhile, so two
-- sign-ins racing on two nodes each trim the index to the limit and neither re-adds the other's victims.
local existed = redis.call('EXISTS', KEYS[1])
redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[1])
local i = 5
while i < #ARGV do
  redis.call('ZADD', KEYS[1], 'XX', 'GT', ARGV[i + 1], ARGV[i])
  i = i + 2
end
local ttl = tonumber(ARGV[4])
if ttl < 0 then
  redis.call('PERSIST', KEYS[1])
else
  -- Never shortened: the index lives as long as its longest-lived session (-1: one never expires).
  local left = redis.call('PTTL', KEYS[1])
  if existed == 0 or (left >= 0 and left < ttl) then
    redis.call('PEXPIRE', KEYS[1], ARGV[4])
  end
end
local victims = {}
local limit = tonumber(ARGV[3])
if limit > 0 then
  -- At most 1000 a sign-in (an index grown far past the limit, e.g. written by hand, is trimmed
  -- over several sign-ins): the caller signs each one out.
  local excess = math.min(redis.call('ZCARD', KEYS[1]) - limit, 1000)
  if excess > 0 then
    -- The excess + 1 lowest scores: the excess among them that are not the session signing in.
    for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, excess)) do
      if #victims < excess and id ~= ARGV[1] then
        victims[#victims + 1] = id
      end
    end
    -- In slices: Lua's unpack has a limit on the values it passes.
    for s = 1, #victims, 500 do
      redis.call('ZREM', KEYS[1], unpack(victims, s, math.min(s + 499, #victims)))
    end
  end
end
return victims
