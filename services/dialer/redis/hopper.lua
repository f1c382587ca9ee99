-- The campaign's hopper: a sorted set of due lead ids (score: priority bucket, then due second)
-- and one lease key per lead in flight (value: the popping token, with a TTL). Every key is in
-- the campaign's hash slot ({campaign} tag), so the script stays valid on Redis Cluster.
--
-- KEYS[1] hopper sorted set, KEYS[2] fence revision of the campaign's owner.
-- ARGV[1] operation, ARGV[2] fence ('' = unfenced), ARGV[3] lease key prefix (ends with ':').
--   add      ARGV[4..]: score, lead id pairs. Leased leads are skipped. Returns how many were new.
--   rebuild  as add, after emptying the set.
--   pop      ARGV[4] count, ARGV[5] lease ms, ARGV[6] token. Returns the leased lead ids, best first.
--   release  ARGV[4] lead id, ARGV[5] token, ARGV[6] score ('' = do not put back). Returns 1 if released.
--   complete ARGV[4] lead id, ARGV[5] token ('' = whoever holds it). Returns 1 if a lease was removed.
local op = ARGV[1]
local fence = ARGV[2]
local prefix = ARGV[3]

-- The next issue's fencing: a pop or change from an owner older than the newest seen is refused.
if fence ~= '' then
  local current = tonumber(redis.call('GET', KEYS[2]) or '0')
  local given = tonumber(fence)
  if given < current then return redis.error_reply('STALE_FENCE') end
  if given > current then redis.call('SET', KEYS[2], fence) end
end

local function add(from)
  local added = 0
  for i = from, #ARGV, 2 do
    local lead = ARGV[i + 1]
    if redis.call('EXISTS', prefix .. lead) == 0 then
      added = added + redis.call('ZADD', KEYS[1], ARGV[i], lead)
    end
  end
  return added
end

if op == 'add' then
  return add(4)
elseif op == 'rebuild' then
  redis.call('DEL', KEYS[1])
  return add(4)
elseif op == 'pop' then
  local want = tonumber(ARGV[4])
  local leaseMs = ARGV[5]
  local token = ARGV[6]
  local out = {}
  while #out < want do
    local batch = redis.call('ZRANGE', KEYS[1], 0, want - #out - 1)
    if #batch == 0 then break end
    for _, lead in ipairs(batch) do
      redis.call('ZREM', KEYS[1], lead)
      -- A lead still leased is in flight: it leaves the set and is not given twice.
      if redis.call('SET', prefix .. lead, token, 'NX', 'PX', leaseMs) then
        out[#out + 1] = lead
      end
    end
  end
  return out
elseif op == 'release' then
  local key = prefix .. ARGV[4]
  if redis.call('GET', key) ~= ARGV[5] then return 0 end
  redis.call('DEL', key)
  if ARGV[6] ~= '' then redis.call('ZADD', KEYS[1], ARGV[6], ARGV[4]) end
  return 1
elseif op == 'complete' then
  local key = prefix .. ARGV[4]
  if ARGV[5] ~= '' and redis.call('GET', key) ~= ARGV[5] then return 0 end
  return redis.call('DEL', key)
end
return redis.error_reply('unknown hopper operation')
