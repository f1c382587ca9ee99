-- Rule sets per campaign, their immutable versions and the history of what was published when.
CREATE TABLE rule_sets (
  rule_set_id    text PRIMARY KEY,
  campaign_id    text NOT NULL,
  active_version integer,
  latest_version integer NOT NULL DEFAULT 0,
  archived       boolean NOT NULL DEFAULT false,
  created_at     timestamptz NOT NULL DEFAULT now()
);
-- One live rule set per campaign.
CREATE UNIQUE INDEX rule_sets_campaign ON rule_sets (campaign_id) WHERE NOT archived;

CREATE TABLE rule_set_versions (
  rule_set_id text NOT NULL REFERENCES rule_sets (rule_set_id),
  version     integer NOT NULL,
  -- The validated content: { rules, scripts, listIds } (domain/rules.ts).
  content     jsonb NOT NULL,
  list_ids    text[] NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (rule_set_id, version)
);

CREATE TABLE rule_set_history (
  id               bigserial PRIMARY KEY,
  rule_set_id      text NOT NULL REFERENCES rule_sets (rule_set_id),
  action           text NOT NULL CHECK (action IN ('created', 'saved', 'published', 'rolled_back', 'archived')),
  version          integer NOT NULL,
  previous_version integer,
  at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rule_set_history_set ON rule_set_history (rule_set_id, id);

-- What the service knows of a lead in a campaign (from attempts, opt-outs and its own tasks).
CREATE TABLE lead_state (
  campaign_id      text NOT NULL,
  lead_id          text NOT NULL,
  attempts         integer NOT NULL DEFAULT 0,
  last_outcome     text NOT NULL DEFAULT '',
  last_disposition text NOT NULL DEFAULT '',
  last_answered    boolean NOT NULL DEFAULT false,
  last_attempt_at  timestamptz,
  tasks_day        text NOT NULL DEFAULT '',
  tasks_today      integer NOT NULL DEFAULT 0,
  last_task_at     timestamptz,
  refused_at       timestamptz,
  opted_out        boolean NOT NULL DEFAULT false,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (campaign_id, lead_id)
);

-- Facts already evaluated, per lead: a redelivered event changes nothing.
CREATE TABLE inbox (
  source_id   text PRIMARY KEY,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inbox_received ON inbox (received_at);

-- Elapsed-time triggers and delayed retries: due rows are taken with FOR UPDATE SKIP LOCKED, so
-- any number of replicas share them and each fires once.
CREATE TABLE timers (
  timer_id    text PRIMARY KEY,
  campaign_id text NOT NULL,
  lead_id     text NOT NULL,
  rule_set_id text NOT NULL,
  rule_id     text NOT NULL,
  -- The event that set the timer (EventFacts), evaluated again when it is due.
  event       jsonb NOT NULL,
  due_at      timestamptz NOT NULL,
  fired_at    timestamptz,
  fired_by    text,
  outcome     text
);
CREATE INDEX timers_due ON timers (due_at) WHERE fired_at IS NULL;

-- Outbox: every task is written with the evaluation that made it, then published (Nats-Msg-Id =
-- task id) and marked; rows left unpublished by a crash are published again at start and by the sweep.
CREATE TABLE tasks (
  task_id      text PRIMARY KEY,
  campaign_id  text NOT NULL,
  lead_id      text NOT NULL,
  channel      text NOT NULL CHECK (channel IN ('call', 'sms')),
  rule_set_id  text NOT NULL,
  rule_id      text NOT NULL,
  version      integer NOT NULL,
  payload      jsonb NOT NULL,
  suppressed_by text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);
CREATE INDEX tasks_unpublished ON tasks (created_at) WHERE published_at IS NULL AND suppressed_by IS NULL;
CREATE INDEX tasks_lead ON tasks (campaign_id, lead_id);

-- SMS sent by the webhook provider and their delivery status.
CREATE TABLE sms_messages (
  task_id             text PRIMARY KEY,
  campaign_id         text NOT NULL,
  lead_id             text NOT NULL,
  status              text NOT NULL,
  provider_message_id text,
  attempts            integer NOT NULL DEFAULT 0,
  last_error          text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  status_at           timestamptz
);
CREATE INDEX sms_provider_id ON sms_messages (provider_message_id);
