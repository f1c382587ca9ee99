-- A campaign's agents by state, counted where they live: one round trip and six numbers per
-- pacing tick, instead of every agent's hash sent to the dialer.
-- KEYS[1] the campaign's agent set; ARGV[1] agent hash key prefix, ARGV[2] campaign id
-- Returns { logged in, ready, reserved, talking, wrap_up, paused }.
local counts = { 0, 0, 0, 0, 0, 0 }
local slot = { ready = 2, reserved = 3, talking = 4, wrap_up = 5, paused = 6 }
local wanted = ',' .. ARGV[2] .. ','
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local fields = redis.call('HMGET', ARGV[1] .. id, 'state', 'campaigns')
  local state = fields[1]
  if state and state ~= 'logged_out' and string.find(',' .. (fields[2] or '') .. ',', wanted, 1, true) then
    counts[1] = counts[1] + 1
    local i = slot[state]
    if i then counts[i] = counts[i] + 1 end
  end
end
return counts
