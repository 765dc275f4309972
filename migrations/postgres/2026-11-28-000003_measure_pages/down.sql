DROP TRIGGER measure_supporting_revision ON measure_supporting_departments;
DROP TRIGGER measure_assignees_revision ON measure_assignees;
DROP TRIGGER measures_revision ON measures;
DROP FUNCTION bump_ledger_revision_of_measure_part();
DROP FUNCTION bump_ledger_revision_of_measure();
DROP INDEX measures_organisation_deadline_idx;
DROP INDEX measures_organisation_ledger_idx;
ALTER TABLE organisations DROP COLUMN ledger_revision;
