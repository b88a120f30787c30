-- The audit log is append-only: the database itself refuses to change or remove an entry,
-- whatever code path (or person with a SQL prompt through the app's connection) tries.
CREATE TRIGGER "AuditLog_append_only_update" BEFORE UPDATE ON "AuditLog"
BEGIN
  SELECT RAISE(ABORT, 'AuditLog is append-only: entries cannot be changed');
END;

CREATE TRIGGER "AuditLog_append_only_delete" BEFORE DELETE ON "AuditLog"
BEGIN
  SELECT RAISE(ABORT, 'AuditLog is append-only: entries cannot be deleted');
END;
