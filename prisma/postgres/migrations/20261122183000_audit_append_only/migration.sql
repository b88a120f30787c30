-- The audit log is append-only: the database itself refuses to change or remove an entry,
-- whatever code path (or person with a SQL prompt through the app's connection) tries.
CREATE FUNCTION "paidline_audit_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'AuditLog is append-only: entries cannot be changed or deleted (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege'; END $$;

CREATE TRIGGER "AuditLog_append_only_row" BEFORE UPDATE OR DELETE ON "AuditLog"
  FOR EACH ROW EXECUTE FUNCTION "paidline_audit_append_only"();

CREATE TRIGGER "AuditLog_append_only_truncate" BEFORE TRUNCATE ON "AuditLog"
  FOR EACH STATEMENT EXECUTE FUNCTION "paidline_audit_append_only"();
