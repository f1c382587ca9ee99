-- Check and reserve one dial atomically. Redis runs scripts one at a time, so two replicas
-- racing for the same number or caller ID cannot both see room under a cap.
-- KEYS: 1 lead attempts (zset), 2 caller-ID calls (zset), 3 number state (hash),
--       4 lead state (hash), 5 consent (string: given-at ms)
-- ARGV: 1 now ms, 2 lead max/24h (-1 none), 3 lead gap ms, 4 caller max/24h (-1 none),
--       5 caller gap ms, 6 reserve if allowed (1/0), 7 member (check id),
--       8 refusal lock ms (-1 none, -2 final), 9 abandon lock-out ms, 10 consent required (1/0),
--       11 number blind index (remembered on the lead for opt-outs that name only the lead)
local now = tonumber(ARGV[1])
local day = 86400000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - day)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - day)
local leadCount = redis.call('ZCARD', KEYS[1])
local callerCount = redis.call('ZCARD', KEYS[2])
local leadLast = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')[2] or ''
local callerLast = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')[2] or ''
local num = redis.call('HMGET', KEYS[3], 'dnc', 'optout', 'refusedAt')
local lead = redis.call('HMGET', KEYS[4], 'optout', 'abandonedAt')
local consent = redis.call('GET', KEYS[5])
redis.call('HSET', KEYS[4], 'num', ARGV[11])

local denied = num[1] or num[2] or lead[1]
local refusalLock = tonumber(ARGV[8])
if num[3] and refusalLock ~= -1 then
  if refusalLock == -2 or now < tonumber(num[3]) + refusalLock then denied = true end
end
local lockout = tonumber(ARGV[9])
if lead[2] and lockout > 0 and now < tonumber(lead[2]) + lockout then denied = true end
if ARGV[10] == '1' and ((not consent) or tonumber(consent) > now) then denied = true end

local leadMax, leadGap = tonumber(ARGV[2]), tonumber(ARGV[3])
local callerMax, callerGap = tonumber(ARGV[4]), tonumber(ARGV[5])
if leadMax >= 0 and leadCount >= leadMax then denied = true end
if leadGap > 0 and leadLast ~= '' and now - tonumber(leadLast) < leadGap then denied = true end
if callerMax >= 0 and callerCount >= callerMax then denied = true end
if callerGap > 0 and callerLast ~= '' and now - tonumber(callerLast) < callerGap then denied = true end

local reserved = 0
if ARGV[6] == '1' and not denied then
  redis.call('ZADD', KEYS[1], now, ARGV[7])
  redis.call('ZADD', KEYS[2], now, ARGV[7])
  -- Entries older than a day are never read again; the keys expire with their newest entry.
  redis.call('PEXPIRE', KEYS[1], day + leadGap)
  redis.call('PEXPIRE', KEYS[2], day + callerGap)
  reserved = 1
end
return {leadCount, leadLast, callerCount, callerLast, reserved, num[1] or '', num[2] or '', num[3] or '', lead[1] or '', lead[2] or '', consent or ''}
