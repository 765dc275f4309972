-- The sign-off chain: submissions, decisions tied to the evidence they covered.

-- Stages an organisation's new inspections use, and whether one person may sign two stages of
-- a measure (small schools); each inspection keeps the chain it started with.
ALTER TABLE organisations ADD COLUMN signoff_chain TEXT NOT NULL DEFAULT 'approve,sign,verify';
ALTER TABLE organisations ADD COLUMN allow_repeat_signer BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE inspections ADD COLUMN signoff_chain TEXT NOT NULL DEFAULT 'approve,sign,verify';

ALTER TABLE measures ADD COLUMN submission_round INTEGER NOT NULL DEFAULT 0;
ALTER TABLE measures ADD COLUMN submitted_by BIGINT REFERENCES users (id);
ALTER TABLE measures ADD COLUMN submitted_at TIMESTAMP;
ALTER TABLE measures ADD COLUMN next_lookback DATE;

CREATE TABLE signoffs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    measure_id BIGINT NOT NULL REFERENCES measures (id),
    round INTEGER NOT NULL,
    stage TEXT NOT NULL CHECK (stage IN ('approve', 'sign', 'verify')),
    decision TEXT NOT NULL CHECK (decision IN ('approve', 'return')),
    comment TEXT NOT NULL DEFAULT '',
    -- SHA-256 over the sorted (evidence id, version, content hash) the signer saw.
    evidence_digest TEXT NOT NULL,
    signer_id BIGINT NOT NULL REFERENCES users (id),
    -- The organisation let this signer decide a second stage.
    repeat_signer BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    invalidated_at TIMESTAMP,
    invalidated_reason TEXT
);
CREATE INDEX signoffs_measure_idx ON signoffs (measure_id, round);
