-- The row trigger of 001 stops UPDATE and DELETE, but TRUNCATE fires no row trigger: it would
-- empty the history, and an empty history verifies cleanly. Refuse it too (R-AUDIT-1).
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
