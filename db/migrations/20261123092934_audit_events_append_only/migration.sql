-- The audit trail is append-only: refuse UPDATE and DELETE on audit_events whoever asks, so a
-- bug or a stolen application credential cannot rewrite history (the hash chain would still
-- reveal it, but refusing is better than detecting). Statement-level, so even an UPDATE that
-- matches no row is refused. TRUNCATE fires no UPDATE/DELETE trigger and stays possible, which
-- tests use to reset; production credentials should not hold the TRUNCATE privilege.
CREATE FUNCTION "audit_events_refuse_change"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
    USING ERRCODE = 'restrict_violation';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "audit_events_append_only"
  BEFORE UPDATE OR DELETE ON "audit_events"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_events_refuse_change"();
