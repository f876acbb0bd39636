-- A school's home-visit policy, versioned. Every save is a new row; rows are never changed.
-- A visit records the version it was planned under (visits.policy_version_id).
CREATE TABLE policy_versions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools (id),
  version integer NOT NULL CHECK (version > 0),
  preset text NOT NULL,
  policy jsonb NOT NULL,
  effective_from date NOT NULL,
  note text NOT NULL DEFAULT '',
  created_by uuid REFERENCES users (id),
  created_by_name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, version)
);
CREATE INDEX policy_versions_school_effective ON policy_versions (school_id, effective_from DESC, version DESC);

CREATE TRIGGER policy_versions_append_only BEFORE UPDATE OR DELETE ON policy_versions
  FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
