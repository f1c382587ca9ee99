-- When the dialer asked media to bridge the call to its agent: with answered_at (media's event
-- time) it gives the control plane's answer-to-bridge latency, the margin of the 2-second rule.
ALTER TABLE attempts ADD COLUMN bridge_requested_at timestamptz;
