-- Close-out (销号) of a problem: requested by the coordinator once every measure is done,
-- decided by a supervisor of the supervising bureau.
ALTER TABLE problems ADD COLUMN closeout_status TEXT NOT NULL DEFAULT 'open' CHECK (closeout_status IN ('open', 'requested', 'closed'));
ALTER TABLE problems ADD COLUMN closeout_requested_by BIGINT REFERENCES users (id);
ALTER TABLE problems ADD COLUMN closed_by BIGINT REFERENCES users (id);
ALTER TABLE problems ADD COLUMN closed_at TIMESTAMP;
ALTER TABLE problems ADD COLUMN closeout_comment TEXT NOT NULL DEFAULT '';
