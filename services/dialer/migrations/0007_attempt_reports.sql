-- Reports are counted in PostgreSQL (SummarizeAttempts), over the time an attempt counts at (its
-- dial, or its queueing when never dialled): a report over a time range reads that range of the
-- campaign, and an agent's own report reads only the agent's calls.
CREATE INDEX attempts_by_campaign_time ON attempts (campaign_id, (COALESCE(originated_at, queued_at)));
CREATE INDEX attempts_by_campaign_agent ON attempts (campaign_id, agent_id, (COALESCE(originated_at, queued_at)))
  WHERE agent_id IS NOT NULL;
-- The denials list: a campaign's denied attempts, newest first, without reading the others.
CREATE INDEX attempts_denied ON attempts (campaign_id, queued_at DESC, attempt_id DESC) WHERE outcome = 'denied';
