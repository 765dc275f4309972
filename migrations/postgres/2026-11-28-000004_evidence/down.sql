DROP TABLE idempotency_keys;
DROP TABLE evidence_versions;
DROP TABLE evidence;
DROP TABLE evidence_files;
ALTER TABLE organisations DROP COLUMN storage_used;
