-- Counts one fact of one attempt once: KEYS[1] the campaign's set of counted facts, KEYS[2] its
-- counters hash (same {campaign} slot). ARGV[1] the fact's marker (<attempt id>:<fact>), ARGV[2]
-- the marker set's TTL in ms, ARGV[3..] counter fields. Returns 1 when counted now, 0 if already.
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
for i = 3, #ARGV do redis.call('HINCRBY', KEYS[2], ARGV[i], 1) end
return 1
