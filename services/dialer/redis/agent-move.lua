-- One agent's state change, atomically: the move is refused unless the agent is in one of the
-- allowed states (and, when given, on the expected attempt). Keeps the campaigns' sets of ready
-- agents (scored by ready-since, so the longest idle comes first) and the wrap-up timers in step.
-- KEYS[1] agent hash, KEYS[2] wrap-up timers (zset by end time)
-- ARGV[1] allowed states (comma-separated), ARGV[2] new state, ARGV[3] now (ms),
-- ARGV[4] ready-set key prefix, ARGV[5] ready-set key suffix, ARGV[6] members-set key suffix,
-- ARGV[7] expected attempt id ('' = any), ARGV[8] agent id, ARGV[9..] field, value pairs ('' deletes)
local current = redis.call('HGET', KEYS[1], 'state') or 'logged_out'
local allowed = false
for s in string.gmatch(ARGV[1], '[^,]+') do
  if s == current then allowed = true end
end
if not allowed then return { 'REFUSED', current } end
if ARGV[7] ~= '' and redis.call('HGET', KEYS[1], 'attempt') ~= ARGV[7] then return { 'OTHER_ATTEMPT', current } end
local id = ARGV[8]
if not (current == 'ready' and ARGV[2] == 'ready') then
  redis.call('HSET', KEYS[1], 'state', ARGV[2], 'since', ARGV[3])
end
for i = 9, #ARGV, 2 do
  if ARGV[i + 1] == '' then
    redis.call('HDEL', KEYS[1], ARGV[i])
  else
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  end
end
local since = redis.call('HGET', KEYS[1], 'since')
for c in string.gmatch(redis.call('HGET', KEYS[1], 'campaigns') or '', '[^,]+') do
  local ready = ARGV[4] .. c .. ARGV[5]
  if ARGV[2] == 'ready' then
    redis.call('ZADD', ready, since, id)
  else
    redis.call('ZREM', ready, id)
  end
  redis.call('SADD', ARGV[4] .. c .. ARGV[6], id)
end
if ARGV[2] == 'wrap_up' then
  redis.call('ZADD', KEYS[2], redis.call('HGET', KEYS[1], 'wrapUpUntil'), id)
else
  redis.call('ZREM', KEYS[2], id)
end
return { 'OK', current }
