-- One organisation's measures in ledger order and in deadline order straight from an index.
CREATE INDEX measures_organisation_ledger_idx ON measures (organisation_id, inspection_id, problem_ordinal, ordinal);
CREATE INDEX measures_organisation_deadline_idx ON measures (organisation_id, deadline);

-- Grows with every change to an organisation's measures, their assignees and supporting
-- departments, whoever makes it: a page of measures computed at one revision stays current
-- while the revision holds, on every server instance.
ALTER TABLE organisations ADD COLUMN ledger_revision BIGINT NOT NULL DEFAULT 0;

CREATE TRIGGER measures_revision_insert AFTER INSERT ON measures BEGIN
    UPDATE organisations SET ledger_revision = ledger_revision + 1 WHERE id = NEW.organisation_id;
END;
CREATE TRIGGER measures_revision_update AFTER UPDATE ON measures BEGIN
    UPDATE organisations SET ledger_revision = ledger_revision + 1 WHERE id = NEW.organisation_id;
END;
CREATE TRIGGER measures_revision_delete AFTER DELETE ON measures BEGIN
    UPDATE organisations SET ledger_revision = ledger_revision + 1 WHERE id = OLD.organisation_id;
END;
CREATE TRIGGER measure_assignees_revision_insert AFTER INSERT ON measure_assignees BEGIN
    UPDATE organisations SET ledger_revision = ledger_revision + 1
    WHERE id = (SELECT organisation_id FROM measures WHERE id = NEW.measure_id);
END;
CREATE TRIGGER measure_assignees_revision_delete AFTER DELETE ON measure_assignees BEGIN
    UPDATE organisations SET ledger_revision = ledger_revision + 1
    WHERE id = (SELECT organisation_id FROM measures WHERE id = OLD.measure_id);
END;
CREATE TRIGGER measure_supporting_revision_insert AFTER INSERT ON measure_supporting_departments BEGIN
    UPDATE organisations SET ledger_revision = ledger_revision + 1
    WHERE id = (SELECT organisation_id FROM measures WHERE id = NEW.measure_id);
END;
CREATE TRIGGER measure_supporting_revision_delete AFTER DELETE ON measure_supporting_departments BEGIN
    UPDATE organisations SET ledger_revision = ledger_revision + 1
    WHERE id = (SELECT organisation_id FROM measures WHERE id = OLD.measure_id);
END;
