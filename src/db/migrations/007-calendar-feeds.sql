-- Calendar feeds (R-ITIN-1): a secret iCalendar URL per member of staff (their own visits) and one
-- for the school office (every visit of the school). Only the SHA-256 hash of the URL's token is
-- kept; the token is shown once. A revoked feed stays, for the history, and answers 404.
CREATE TABLE calendar_feeds (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools (id),
  -- The person whose visits a personal feed shows; NULL for the office feed.
  user_id uuid REFERENCES users (id),
  kind text NOT NULL CHECK (kind IN ('personal', 'office')),
  token_hash text NOT NULL UNIQUE,
  created_by uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL,
  revoked_at timestamptz,
  revoked_by uuid REFERENCES users (id),
  CHECK ((kind = 'personal') = (user_id IS NOT NULL)),
  CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);

-- At most one live feed per person per school, and one live office feed per school.
CREATE UNIQUE INDEX calendar_feeds_one_personal ON calendar_feeds (school_id, user_id) WHERE revoked_at IS NULL AND kind = 'personal';
CREATE UNIQUE INDEX calendar_feeds_one_office ON calendar_feeds (school_id) WHERE revoked_at IS NULL AND kind = 'office';
