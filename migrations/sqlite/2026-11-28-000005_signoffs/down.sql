DROP TABLE signoffs;
ALTER TABLE measures DROP COLUMN next_lookback;
ALTER TABLE measures DROP COLUMN submitted_at;
ALTER TABLE measures DROP COLUMN submitted_by;
ALTER TABLE measures DROP COLUMN submission_round;
ALTER TABLE inspections DROP COLUMN signoff_chain;
ALTER TABLE organisations DROP COLUMN allow_repeat_signer;
ALTER TABLE organisations DROP COLUMN signoff_chain;
