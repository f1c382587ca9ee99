-- When the agent who took the call became ready: the later of it and the answer is when the call
-- could first have been bridged, so the control plane's own latency can be told from waiting for
-- an agent (the pacer dialed ahead).
ALTER TABLE attempts ADD COLUMN agent_ready_at timestamptz;
