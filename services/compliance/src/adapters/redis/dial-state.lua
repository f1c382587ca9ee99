-- Check and reserve dials atomically, in order (a later dial sees the reservations of earlier
-- ones). Redis runs scripts one at a time, so two replicas racing for the same number or caller
-- ID cannot both see room under a cap. Several dials per call: one script run instead of one per
-- dial (the caller bounds how many, so Redis is never held long).
-- Per dial d (from 0), KEYS[5d+1..5d+5]: lead attempts (zset), caller-ID calls (zset),
--   number state (hash), lead state (hash), consent (string: given-at ms)
-- ARGV[d+1]: 12 fields joined by ',' (one argument per dial: each argument costs the client
--   more than its bytes), the last one taking the rest of the string:
--   now ms, lead max/24h (-1 none), lead gap ms, caller max/24h (-1 none),
--   caller gap ms, reserve if allowed (1/0), member (check id),
--   refusal lock ms (-1 none, -2 final), abandon lock-out ms, consent required (1/0),
--   number blind index (remembered on the lead for opt-outs that name only the lead),
--   campaign id (its own list entries are fields suffixed `:<campaign id>`)
-- Returns 14 values per dial, concatenated.
local day = 86400000
-- The 12 fields of one dial; the campaign id (last) is whatever follows the 11th comma.
local function split(joined)
  local fields, from = {}, 1
  for i = 1, 11 do
    local comma = string.find(joined, ',', from, true)
    fields[i] = string.sub(joined, from, comma - 1)
    from = comma + 1
  end
  fields[12] = string.sub(joined, from)
  return fields
end
local out = {}
for d = 0, #KEYS / 5 - 1 do
  local K = 5 * d
  local F = split(ARGV[d + 1])
  local attempts, calls, numberState, leadState, consentKey = KEYS[K + 1], KEYS[K + 2], KEYS[K + 3], KEYS[K + 4], KEYS[K + 5]
  local now = tonumber(F[1])
  redis.call('ZREMRANGEBYSCORE', attempts, '-inf', now - day)
  redis.call('ZREMRANGEBYSCORE', calls, '-inf', now - day)
  local leadCount = redis.call('ZCARD', attempts)
  local callerCount = redis.call('ZCARD', calls)
  local leadLast = redis.call('ZRANGE', attempts, -1, -1, 'WITHSCORES')[2] or ''
  local callerLast = redis.call('ZRANGE', calls, -1, -1, 'WITHSCORES')[2] or ''
  local c = ':' .. F[12]
  local num = redis.call('HMGET', numberState, 'dnc', 'optout', 'refusedAt', 'dnc' .. c, 'optout' .. c, 'refusedAt' .. c)
  local lead = redis.call('HMGET', leadState, 'optout', 'abandonedAt')
  local consent = redis.call('GET', consentKey)
  redis.call('HSET', leadState, 'num', F[11])

  local denied = num[1] or num[2] or num[4] or num[5] or lead[1]
  local refusalLock = tonumber(F[8])
  for _, refusedAt in ipairs({num[3] or false, num[6] or false}) do
    if refusedAt and refusalLock ~= -1 then
      if refusalLock == -2 or now < tonumber(refusedAt) + refusalLock then denied = true end
    end
  end
  local lockout = tonumber(F[9])
  if lead[2] and lockout > 0 and now < tonumber(lead[2]) + lockout then denied = true end
  if F[10] == '1' and ((not consent) or tonumber(consent) > now) then denied = true end

  local leadMax, leadGap = tonumber(F[2]), tonumber(F[3])
  local callerMax, callerGap = tonumber(F[4]), tonumber(F[5])
  if leadMax >= 0 and leadCount >= leadMax then denied = true end
  if leadGap > 0 and leadLast ~= '' and now - tonumber(leadLast) < leadGap then denied = true end
  if callerMax >= 0 and callerCount >= callerMax then denied = true end
  if callerGap > 0 and callerLast ~= '' and now - tonumber(callerLast) < callerGap then denied = true end

  local reserved = 0
  if F[6] == '1' and not denied then
    redis.call('ZADD', attempts, now, F[7])
    redis.call('ZADD', calls, now, F[7])
    -- Entries older than a day are never read again; the keys expire with their newest entry.
    redis.call('PEXPIRE', attempts, day + leadGap)
    redis.call('PEXPIRE', calls, day + callerGap)
    reserved = 1
  end
  local base = 14 * d
  out[base + 1], out[base + 2], out[base + 3], out[base + 4], out[base + 5] = leadCount, leadLast, callerCount, callerLast, reserved
  out[base + 6], out[base + 7], out[base + 8], out[base + 9], out[base + 10] = num[1] or '', num[2] or '', num[3] or '', lead[1] or '', lead[2] or ''
  out[base + 11], out[base + 12], out[base + 13], out[base + 14] = consent or '', num[4] or '', num[5] or '', num[6] or ''
end
return out
