ALTER TABLE problems DROP COLUMN closeout_comment;
ALTER TABLE problems DROP COLUMN closed_at;
ALTER TABLE problems DROP COLUMN closed_by;
ALTER TABLE problems DROP COLUMN closeout_requested_by;
ALTER TABLE problems DROP COLUMN closeout_status;
