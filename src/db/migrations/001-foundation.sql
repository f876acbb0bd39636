-- Foundation: organisations, schools, people and their roles, sessions, API tokens, audit history.

CREATE TABLE organisations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(trim(name)) > 0),
  kind text NOT NULL CHECK (kind IN ('trust', 'local_authority')),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE schools (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organisation_id uuid NOT NULL REFERENCES organisations (id),
  name text NOT NULL CHECK (length(trim(name)) > 0),
  preset text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX schools_organisation ON schools (organisation_id);

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL CHECK (position('@' IN email) > 1),
  name text NOT NULL CHECK (length(trim(name)) > 0),
  password_hash text NOT NULL,
  mobile text,
  active boolean NOT NULL DEFAULT true,
  failed_sign_ins integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email ON users (lower(email));

CREATE TABLE school_memberships (
  school_id uuid NOT NULL REFERENCES schools (id),
  user_id uuid NOT NULL REFERENCES users (id),
  role text NOT NULL CHECK (role IN ('headteacher', 'associate_head', 'dsl', 'deputy_dsl', 'slt', 'office',
                                     'visitor', 'governor', 'school_admin')),
  PRIMARY KEY (school_id, user_id, role)
);
CREATE INDEX school_memberships_user ON school_memberships (user_id);

CREATE TABLE organisation_admins (
  organisation_id uuid NOT NULL REFERENCES organisations (id),
  user_id uuid NOT NULL REFERENCES users (id),
  PRIMARY KEY (organisation_id, user_id)
);

CREATE TABLE sessions (
  id_hash text PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  school_id uuid REFERENCES schools (id),
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id),
  name text NOT NULL CHECK (length(trim(name)) > 0),
  token_hash text NOT NULL UNIQUE,
  prefix text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE app_secrets (
  name text PRIMARY KEY,
  value text NOT NULL
);

-- Append-only history. Each chain (one per school, plus 'global' for changes outside any
-- school) is hash-linked: hash = sha256(prev_hash || canonical row). See src/audit/audit.ts.
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  chain text NOT NULL,
  seq bigint NOT NULL,
  school_id uuid REFERENCES schools (id),
  actor_user_id uuid REFERENCES users (id),
  actor_name text NOT NULL,
  action text NOT NULL,
  subject_type text NOT NULL,
  subject_id text,
  summary text NOT NULL,
  change jsonb NOT NULL DEFAULT '{}'::jsonb,
  at timestamptz NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  UNIQUE (chain, seq)
);
CREATE INDEX audit_log_school_at ON audit_log (school_id, at DESC);
CREATE INDEX audit_log_actor ON audit_log (actor_user_id);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: rows cannot be changed or deleted';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
