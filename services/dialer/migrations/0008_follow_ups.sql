-- An agent's follow-up list reads only the campaign's attempts with a follow-up time (few), not all.
CREATE INDEX attempts_with_follow_up ON attempts (campaign_id) WHERE disposition ? 'followUpAt';
