-- API clients (issue 10 point 11, docs/decisions/0025-api-clients.md): an integration registered by a school
-- admin for one school, with scopes. It exchanges its id and secret (argon2id hash kept, the secret shown once)
-- for short-lived access tokens at POST /oauth/token (OAuth 2.0 client credentials, RFC 6749 section 4.4).
CREATE TABLE api_clients (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools (id),
  name text NOT NULL CHECK (length(trim(name)) > 0),
  secret_hash text NOT NULL,
  secret_prefix text NOT NULL,
  scopes text[] NOT NULL CHECK (cardinality(scopes) > 0),
  created_by uuid REFERENCES users (id),
  created_by_name text NOT NULL,
  created_at timestamptz NOT NULL,
  last_token_at timestamptz,
  revoked_at timestamptz,
  revoked_by_name text
);
CREATE INDEX api_clients_school ON api_clients (school_id, created_at);

-- Access tokens issued to clients: only the SHA-256 of the token is kept (it is 256 random bits).
CREATE TABLE api_client_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  api_client_id uuid NOT NULL REFERENCES api_clients (id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE,
  scopes text[] NOT NULL,
  issued_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX api_client_tokens_expires ON api_client_tokens (expires_at);
