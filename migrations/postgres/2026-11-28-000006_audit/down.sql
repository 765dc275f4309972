DROP TRIGGER audit_events_no_truncate ON audit_events;
DROP TRIGGER audit_events_no_change ON audit_events;
DROP FUNCTION refuse_audit_change();
DROP TABLE audit_events;
DROP TRIGGER organisations_audit_head ON organisations;
DROP FUNCTION start_audit_chain();
DROP TABLE audit_heads;
