-- The dialer's store of record. Redis holds the hot copies (hopper, leases, agent states); every
-- one of them can be rebuilt from these tables (and JetStream), so losing Redis loses nothing.

CREATE TABLE campaigns (
  campaign_id text COLLATE "C" PRIMARY KEY,
  name text NOT NULL,
  -- draft | running | paused | finished | stopped
  state text NOT NULL,
  dial_mode text NOT NULL,
  -- Every other setting (lists, hours, caller ids, retry policy, mode settings …), validated at the edge.
  settings jsonb NOT NULL,
  version bigint NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX campaigns_by_state ON campaigns (state, campaign_id);

-- One row per lead a campaign may call: when it is next due, how often it was tried, whether it is closed.
CREATE TABLE campaign_leads (
  campaign_id text COLLATE "C" NOT NULL REFERENCES campaigns (campaign_id),
  lead_id text COLLATE "C" NOT NULL,
  list_id text COLLATE "C" NOT NULL,
  -- Higher first.
  priority integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 0,
  -- open | in_flight | closed
  status text NOT NULL DEFAULT 'open',
  -- Why a closed lead is closed: connected, invalid_number, max_attempts, denied, opted_out …
  closed_reason text,
  -- A follow-up bound to one agent.
  agent_id text,
  script text,
  line_class text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (campaign_id, lead_id)
);
CREATE INDEX campaign_leads_due ON campaign_leads (campaign_id, next_attempt_at) WHERE status = 'open';

CREATE TABLE attempts (
  attempt_id text COLLATE "C" PRIMARY KEY,
  campaign_id text COLLATE "C" NOT NULL,
  lead_id text COLLATE "C" NOT NULL,
  attempt_number integer NOT NULL,
  dial_mode text NOT NULL,
  -- Empty until the attempt ends: connected | abandoned | machine | busy | no_answer |
  -- invalid_number | rejected | network_failure | denied | failed
  outcome text,
  compliance_check_id text,
  denial_reasons text[] NOT NULL DEFAULT '{}',
  caller_id text,
  call_id text,
  node text,
  agent_id text,
  agent_call_id text,
  amd_verdict text,
  hangup_cause text,
  sip_status integer,
  billsec integer,
  digits text,
  queued_at timestamptz NOT NULL DEFAULT now(),
  checked_at timestamptz,
  originated_at timestamptz,
  ringing_at timestamptz,
  answered_at timestamptz,
  amd_at timestamptz,
  bridged_at timestamptz,
  abandoned_at timestamptz,
  ended_at timestamptz,
  disposition jsonb,
  next_attempt_at timestamptz,
  -- attempts.completed has been published (it is published again at start until it is).
  completed_published boolean NOT NULL DEFAULT false,
  -- W3C traceparent of the attempt's trace.
  traceparent text
);
-- The database's own guarantee that a lead is never in two calls of one campaign at once.
CREATE UNIQUE INDEX attempts_one_open_per_lead ON attempts (campaign_id, lead_id) WHERE ended_at IS NULL;
CREATE UNIQUE INDEX attempts_by_call ON attempts (call_id) WHERE call_id IS NOT NULL;
CREATE INDEX attempts_by_campaign ON attempts (campaign_id, attempt_id);
CREATE INDEX attempts_by_lead ON attempts (campaign_id, lead_id, attempt_number);
CREATE INDEX attempts_unpublished ON attempts (attempt_id) WHERE ended_at IS NOT NULL AND NOT completed_published;

-- Every pacing decision of a predictive campaign, so a day's pacing can be audited.
CREATE TABLE pacing_decisions (
  campaign_id text COLLATE "C" NOT NULL,
  decided_at timestamptz NOT NULL,
  launched integer NOT NULL,
  decision jsonb NOT NULL
);
CREATE INDEX pacing_decisions_by_campaign ON pacing_decisions (campaign_id, decided_at);

-- Agents' sessions of record (Redis holds the live state; this survives it).
CREATE TABLE agents (
  agent_id text COLLATE "C" PRIMARY KEY,
  endpoint text NOT NULL,
  campaign_ids text[] NOT NULL DEFAULT '{}',
  skills text[] NOT NULL DEFAULT '{}',
  reveal boolean NOT NULL DEFAULT false,
  logged_in boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now()
);
