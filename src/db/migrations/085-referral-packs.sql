-- R-ATT-1: the referral pack for the local authority, one PDF per pupil, kept as produced, and when it was sent.
CREATE TABLE referral_packs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools (id),
  pupil_id uuid NOT NULL,
  produced_at timestamptz NOT NULL,
  produced_by uuid REFERENCES users (id),
  produced_by_name text NOT NULL,
  includes_concerns boolean NOT NULL,
  as_of date,
  entries integer NOT NULL,
  pdf bytea NOT NULL,
  sent_on date,
  sent_at timestamptz,
  sent_by uuid REFERENCES users (id),
  sent_by_name text,
  FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id),
  CHECK ((sent_on IS NULL) = (sent_at IS NULL))
);
CREATE INDEX referral_packs_school ON referral_packs (school_id, produced_at DESC);
