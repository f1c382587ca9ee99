-- The fencing token of the newest replica that took the campaign (its NATS KV lease revision):
-- an attempt begun under an older token is refused, even if Redis (which fences the hopper) was lost.
ALTER TABLE campaigns ADD COLUMN owner_fence bigint NOT NULL DEFAULT 0;
