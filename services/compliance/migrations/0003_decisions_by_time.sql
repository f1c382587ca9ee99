-- Evidence retention deletes by decision time. Rows arrive in time order, so a BRIN index finds
-- the old ones at a tiny fraction of a b-tree's size and insert cost (it is on the answer's path).
CREATE INDEX decisions_by_time ON decisions USING brin (decided_at);
