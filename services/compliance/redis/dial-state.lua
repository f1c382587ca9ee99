-- Check and reserve dials atomically, in order (a later dial sees the reservations of earlier
-- ones). Redis runs scripts one at a time, so two replicas racing for the same number or caller
-- ID cannot both see room under a cap. Several dials per call: one script run instead of one per
-- dial (the caller bounds how many, so Redis is never held long).
--
-- Single Redis only (not Redis Cluster): one call touches the keys of many numbers, and the keys
-- are built here from their parts instead of travelling in KEYS (each argument costs the client
-- ≈ 0.7 µs to encode, and five keys per dial were most of them). KEYS is empty.
-- ARGV[1..6]: key prefixes `<prefix>:compliance:<kind>:` of attempts, cid, num, lead, consent,
--   policyver.
-- ARGV[7]: every dial as 15 fields, each followed by ',' and each dial by ';' (ids, blind index
--   and caller ID are key-safe, so never hold either):
--   now ms, lead max/24h (-1 none), lead gap ms, caller max/24h (-1 none),
--   caller gap ms, reserve if allowed (1/0), member (check id),
--   refusal lock ms (-1 none, -2 final), abandon lock-out ms, consent required (1/0),
--   number blind index (remembered on the lead for opt-outs that name only the lead),
--   campaign id (its own list entries are fields suffixed `:<campaign id>`),
--   caller ID digits (no '+'), lead id, the version of the campaign policy the dial was planned
--   under.
-- A campaign whose announced policy version (policyver .. campaign id, a string; absent: 0) is
-- newer than the dial's was planned under an older policy: nothing is read or reserved for it and
-- its 15th value is '1', so the caller plans it again under the new policy.
-- Keys per dial: attempts .. index (zset), cid .. caller (zset), num .. index (hash),
--   lead .. lead id (hash), consent .. campaign id .. ':' .. index (string: given-at ms).
-- The consent is read (and returned) only when the dial requires one.
-- Returns 15 values per dial, as one string of values each followed by ',' (fewer reply elements
-- for the client to parse): list entries as '1' or '', times as digits or ''. A stored time that
-- is not digits (never written by this service) is an error: no decision is made on it.
local day = 86400000
local P = ARGV
local out, n = {}, 0
local function flag(v) if v then return '1' end return '' end
local function isTime(v) return (not v) or string.find(v, '^%d+$') ~= nil end
local FIELD = '([^,;]*),'
local DIAL = string.rep(FIELD, 15) .. ';'
local announced = {}
local STALE = { 0, '', 0, '', 0, '', '', '', '', '', '', '', '', '', '1' }
-- Each redis.call costs a few µs of dispatch on top of the command, the bulk of a dial's time:
-- reads count the last day without trimming (entries older than a day are trimmed only when an
-- attempt is added), the consent is read only when required, the lead remembers its number only
-- when that changed.
for nowS, leadMaxS, leadGapS, callerMaxS, callerGapS, reserve, member, refusalLockS, lockoutS, consentRequired, numberKey, campaignId, caller, leadId, policyVersionS in string.gmatch(ARGV[7], DIAL) do
  local current = announced[campaignId]
  if current == nil then
    current = tonumber(redis.call('GET', P[6] .. campaignId) or '0')
    announced[campaignId] = current
  end
  if current > tonumber(policyVersionS) then
    for i = 1, 15 do out[n + i] = STALE[i] end
    n = n + 15
  else
    local attempts, calls = P[1] .. numberKey, P[2] .. caller
    local numberState, leadState = P[3] .. numberKey, P[4] .. leadId
    local now = tonumber(nowS)
    local since = now - day
    -- A number's attempts are few (trimmed at every add): read them whole, count the last day here.
    local leadEntries = redis.call('ZRANGE', attempts, 0, -1, 'WITHSCORES')
    local leadCount, leadLast, leadStale = 0, '', false
    for i = 2, #leadEntries, 2 do
      if tonumber(leadEntries[i]) > since then
        leadCount = leadCount + 1
        leadLast = leadEntries[i]
      else
        leadStale = true
      end
    end
    -- A caller ID's can be many: count by score, read only the newest.
    local callerCount = redis.call('ZCOUNT', calls, '(' .. since, '+inf')
    local callerLast = ''
    if callerCount > 0 then callerLast = redis.call('ZRANGE', calls, -1, -1, 'WITHSCORES')[2] end
    local c = ':' .. campaignId
    local num = redis.call('HMGET', numberState, 'dnc', 'optout', 'refusedAt', 'dnc' .. c, 'optout' .. c, 'refusedAt' .. c)
    local lead = redis.call('HMGET', leadState, 'optout', 'abandonedAt', 'num')
    local consent = false
    if consentRequired == '1' then consent = redis.call('GET', P[5] .. campaignId .. ':' .. numberKey) end
    if not (isTime(num[3]) and isTime(num[6]) and isTime(lead[2]) and isTime(consent)) then
      return redis.error_reply('malformed time in the dial state of number ' .. numberKey)
    end
    if lead[3] ~= numberKey then redis.call('HSET', leadState, 'num', numberKey) end

    local denied = num[1] or num[2] or num[4] or num[5] or lead[1]
    local refusalLock = tonumber(refusalLockS)
    for _, refusedAt in ipairs({num[3] or false, num[6] or false}) do
      if refusedAt and refusalLock ~= -1 then
        if refusalLock == -2 or now < tonumber(refusedAt) + refusalLock then denied = true end
      end
    end
    local lockout = tonumber(lockoutS)
    if lead[2] and lockout > 0 and now < tonumber(lead[2]) + lockout then denied = true end
    if consentRequired == '1' and ((not consent) or tonumber(consent) > now) then denied = true end

    local leadMax, leadGap = tonumber(leadMaxS), tonumber(leadGapS)
    local callerMax, callerGap = tonumber(callerMaxS), tonumber(callerGapS)
    if leadMax >= 0 and leadCount >= leadMax then denied = true end
    if leadGap > 0 and leadLast ~= '' and now - tonumber(leadLast) < leadGap then denied = true end
    if callerMax >= 0 and callerCount >= callerMax then denied = true end
    if callerGap > 0 and callerLast ~= '' and now - tonumber(callerLast) < callerGap then denied = true end

    local reserved = 0
    if reserve == '1' and not denied then
      if leadStale then redis.call('ZREMRANGEBYSCORE', attempts, '-inf', since) end
      redis.call('ZREMRANGEBYSCORE', calls, '-inf', since)
      redis.call('ZADD', attempts, now, member)
      redis.call('ZADD', calls, now, member)
      -- Entries older than a day are never read again; the keys expire with their newest entry.
      redis.call('PEXPIRE', attempts, day + leadGap)
      redis.call('PEXPIRE', calls, day + callerGap)
      reserved = 1
    end
    out[n + 1], out[n + 2], out[n + 3], out[n + 4], out[n + 5] = leadCount, leadLast, callerCount, callerLast, reserved
    out[n + 6], out[n + 7], out[n + 8], out[n + 9], out[n + 10] = flag(num[1]), flag(num[2]), num[3] or '', flag(lead[1]), lead[2] or ''
    out[n + 11], out[n + 12], out[n + 13], out[n + 14] = consent or '', flag(num[4]), flag(num[5]), num[6] or ''
    out[n + 15] = ''
    n = n + 15
  end
end
out[n + 1] = ''
return table.concat(out, ',')
