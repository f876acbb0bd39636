-- Accounts (issue 7 §4, docs/decisions/0011-accounts.md): temporary passwords, API token expiry,
-- slowing repeated sign-in failures, and browsers a person has signed in on before.

-- A password made by someone else (an admin's reset, an admin adding a person, `school create`)
-- must be replaced by its holder at their first sign-in, before anything else.
ALTER TABLE users ADD COLUMN password_is_temporary boolean NOT NULL DEFAULT false;

-- locked_until no longer locks an account: from SIGN_IN_MAX_FAILURES failures in a row it is the
-- moment before which sign-in attempts from an unknown browser are not judged (a growing delay,
-- at most SIGN_IN_MAX_DELAY_SECONDS). failed_sign_ins counts the failures in a row.
COMMENT ON COLUMN users.locked_until IS
  'Sign-in attempts for this address from a browser not in sign_in_devices are refused unjudged until this moment (decision 0011).';

-- Every API token expires (1 to 365 days, chosen at creation). Tokens made before this migration
-- get 90 days from now, so no integration stops without warning.
-- Doorstep always gives the expiry (from its clock); the default only keeps a row written by hand
-- from never expiring.
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;
UPDATE api_tokens SET expires_at = greatest(created_at, now()) + interval '90 days';
ALTER TABLE api_tokens ALTER COLUMN expires_at SET DEFAULT now() + interval '90 days';
ALTER TABLE api_tokens ALTER COLUMN expires_at SET NOT NULL;

-- For the hourly sweep of what has expired.
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX api_tokens_expires ON api_tokens (expires_at);

-- Browsers a person has signed in on (a random cookie; only its hash is kept). An attempt from one
-- of them is slowed by its own failures only, so someone guessing a person's password elsewhere
-- cannot keep that person (the office watching visitors) out.
CREATE TABLE sign_in_devices (
  token_hash text NOT NULL,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  failed_sign_ins integer NOT NULL DEFAULT 0,
  slowed_until timestamptz,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (token_hash, user_id)
);
CREATE INDEX sign_in_devices_user ON sign_in_devices (user_id);
CREATE INDEX sign_in_devices_expires ON sign_in_devices (expires_at);
