-- A restarted dialer reads the last hour's presented answers and abandons of a campaign (its
-- pacer's abandon windows) without reading every attempt the campaign ever made.
CREATE INDEX attempts_answered ON attempts (campaign_id, answered_at) WHERE answered_at IS NOT NULL;
