-- A policy being edited: one draft per person per school (docs/decisions/0007-policy-editing.md).
-- A draft is never read by the rules: only published rows of policy_versions are (R-GOV-1).
-- Publishing copies the draft into a new policy_versions row and deletes the draft, in one transaction.
CREATE TABLE policy_drafts (
  school_id uuid NOT NULL REFERENCES schools (id),
  user_id uuid NOT NULL REFERENCES users (id),
  -- What the draft started from: a published version, or a preset ("Start again from a preset").
  base_version_id uuid REFERENCES policy_versions (id),
  base_preset text,
  -- The policy the draft started from, with its sources: publishing compares against it to mark changed settings.
  base_policy jsonb NOT NULL,
  -- The draft itself. Each section was valid when saved; the whole is checked only at publishing.
  policy jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (school_id, user_id),
  CHECK (base_version_id IS NOT NULL OR base_preset IS NOT NULL)
);
