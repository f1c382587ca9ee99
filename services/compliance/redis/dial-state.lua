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
-- ARGV[7]: every dial as its fields, each followed by ',' and each dial by ';' (ids, blind index
--   and caller ID are key-safe, so never hold either).
--
-- ONE LAYOUT, DECLARED IN dial-state.ts: the dial's fields are DIAL_FIELDS and the values
-- returned per dial REPLY_FIELDS, in that order. This file uses them by name only; the three
-- upper-case placeholders below (the loop's variables, their count, and the statement that
-- copies the reply's variables into `out`) are filled from those lists when the script is
-- loaded, so the order lives in one place. Loop variables are strings; what each field means is
-- documented at DIAL_FIELDS and REPLY_FIELDS.
-- A campaign whose announced policy version (policyver .. campaign id, a string; absent: 0) is
-- newer than the dial's was planned under an older policy: nothing is read or reserved for it and
-- its stalePolicy is '1', so the caller plans it again under the new policy.
-- Keys per dial: attempts .. index (zset), cid .. caller (zset), num .. index (hash),
--   lead .. lead id (hash), consent .. campaign id .. ':' .. index (string: given-at ms).
-- The consent is read (and returned) only when the dial requires one.
-- Returns the values of every dial as one string, each value followed by ',' (fewer reply
-- elements for the client to parse): list entries as '1' or '', times as digits or ''. A stored
-- time that is not digits (never written by this service) is an error: no decision is made on it.
local day = 86400000
local P = ARGV
local out, n = {}, 0
local function flag(v) if v then return '1' end return '' end
local function isTime(v) return (not v) or string.find(v, '^%d+$') ~= nil end
local FIELD = '([^,;]*),'
local DIAL = string.rep(FIELD, $DIAL_WIDTH) .. ';'
local announced = {}
-- Each redis.call costs a few µs of dispatch on top of the command, the bulk of a dial's time:
-- reads count the last day without trimming (entries older than a day are trimmed only when an
-- attempt is added), the consent is read only when required, the lead remembers its number only
-- when that changed.
for $DIAL_FIELDS in string.gmatch(ARGV[7], DIAL) do
  -- The reply's values, as a stale dial reports them.
  local leadCount, leadLastAt, callerCount, callerLastAt, reserved = 0, '', 0, '', 0
  local dnc, optout, refusedAt, leadOptout, abandonedAt, consentGivenAt = '', '', '', '', '', ''
  local campaignDnc, campaignOptout, campaignRefusedAt, stalePolicy = '', '', '', ''
  local current = announced[campaignId]
  if current == nil then
    current = tonumber(redis.call('GET', P[6] .. campaignId) or '0')
    announced[campaignId] = current
  end
  if current > tonumber(policyVersion) then
    stalePolicy = '1'
  else
    local attempts, calls = P[1] .. numberKey, P[2] .. caller
    local numberState, leadState = P[3] .. numberKey, P[4] .. leadId
    local now = tonumber(nowMs)
    local since = now - day
    -- A number's attempts are few (trimmed at every add): read them whole, count the last day here.
    local leadEntries = redis.call('ZRANGE', attempts, 0, -1, 'WITHSCORES')
    local leadStale = false
    for i = 2, #leadEntries, 2 do
      if tonumber(leadEntries[i]) > since then
        leadCount = leadCount + 1
        leadLastAt = leadEntries[i]
      else
        leadStale = true
      end
    end
    -- A caller ID's can be many: count by score, read only the newest.
    callerCount = redis.call('ZCOUNT', calls, '(' .. since, '+inf')
    if callerCount > 0 then callerLastAt = redis.call('ZRANGE', calls, -1, -1, 'WITHSCORES')[2] end
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
    local refusalLock = tonumber(refusalLockMs)
    for _, refused in ipairs({num[3] or false, num[6] or false}) do
      if refused and refusalLock ~= -1 then
        if refusalLock == -2 or now < tonumber(refused) + refusalLock then denied = true end
      end
    end
    local lockout = tonumber(lockoutMs)
    if lead[2] and lockout > 0 and now < tonumber(lead[2]) + lockout then denied = true end
    if consentRequired == '1' and ((not consent) or tonumber(consent) > now) then denied = true end

    local leadMaxN, leadGap = tonumber(leadMax), tonumber(leadGapMs)
    local callerMaxN, callerGap = tonumber(callerMax), tonumber(callerGapMs)
    if leadMaxN >= 0 and leadCount >= leadMaxN then denied = true end
    if leadGap > 0 and leadLastAt ~= '' and now - tonumber(leadLastAt) < leadGap then denied = true end
    if callerMaxN >= 0 and callerCount >= callerMaxN then denied = true end
    if callerGap > 0 and callerLastAt ~= '' and now - tonumber(callerLastAt) < callerGap then denied = true end

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
    dnc, optout, refusedAt = flag(num[1]), flag(num[2]), num[3] or ''
    leadOptout, abandonedAt, consentGivenAt = flag(lead[1]), lead[2] or '', consent or ''
    campaignDnc, campaignOptout, campaignRefusedAt = flag(num[4]), flag(num[5]), num[6] or ''
  end
  $EMIT_REPLY
end
out[n + 1] = ''
return table.concat(out, ',')
