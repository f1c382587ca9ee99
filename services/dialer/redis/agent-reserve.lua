-- Takes the longest-idle ready agent of a campaign holding every required skill (or only the
-- named agent) and marks it reserved for an attempt, atomically: two calls never get one agent.
-- KEYS[1] the campaign's ready set (zset by ready-since)
-- ARGV[1] agent hash key prefix, ARGV[2] ready-set key prefix, ARGV[3] ready-set key suffix,
-- ARGV[4] required skills (comma-separated), ARGV[5] agent id or '', ARGV[6] now (ms),
-- ARGV[7] attempt id, ARGV[8] campaign id, ARGV[9] lead id
-- Returns {agent id, ready since (ms)} or false.
local candidates
if ARGV[5] ~= '' then
  candidates = {}
  if redis.call('ZSCORE', KEYS[1], ARGV[5]) then candidates[1] = ARGV[5] end
else
  candidates = redis.call('ZRANGE', KEYS[1], 0, 499)
end
for _, id in ipairs(candidates) do
  local key = ARGV[1] .. id
  local fields = redis.call('HMGET', key, 'state', 'skills', 'campaigns', 'since')
  if fields[1] ~= 'ready' then
    -- A stale member (the agent moved on): repair the set.
    redis.call('ZREM', KEYS[1], id)
  else
    local has = {}
    for s in string.gmatch(fields[2] or '', '[^,]+') do has[s] = true end
    local ok = true
    for s in string.gmatch(ARGV[4], '[^,]+') do
      if not has[s] then ok = false end
    end
    if ok then
      redis.call('HSET', key, 'state', 'reserved', 'since', ARGV[6], 'attempt', ARGV[7], 'campaign', ARGV[8], 'lead', ARGV[9])
      for c in string.gmatch(fields[3] or '', '[^,]+') do
        redis.call('ZREM', ARGV[2] .. c .. ARGV[3], id)
      end
      return {id, fields[4] or ARGV[6]}
    end
  end
end
return false
