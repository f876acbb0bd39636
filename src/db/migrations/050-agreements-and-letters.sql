-- Cancellations in writing (R-CANCEL-1), agreements and reminder letters (R-AGREE-1), staff feedback after
-- a visit (R-FEEDBACK-1). Decision 0023. Every table carries school_id and links by (school_id, id).

-- New kinds of message: a visit cancelled (to the policy's recipients) and a follow-up visit drafted after
-- an agreement was not kept again (to the head and whoever reviewed it).
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
  CHECK (kind IN ('alarm', 'realert', 'reminder', 'office_prompt', 'wait_limit', 'safe', 'test', 'cancellation', 'agreement_follow_up'));

-- The written notice of a cancellation, kept on the visit as the PDF that was sent (it never changes).
CREATE TABLE cancellation_notices (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools (id),
  visit_id uuid NOT NULL,
  reason text NOT NULL CHECK (reason IN ('felt_unsafe', 'animals_not_kept_away', 'parents_absent', 'parents_too_late', 'family_declined', 'other')),
  detail text NOT NULL DEFAULT '' CHECK (length(detail) <= 5000),
  moment text NOT NULL CHECK (moment IN ('planning', 'at_door', 'wait_limit')),
  cancelled_at timestamptz NOT NULL,
  cancelled_by uuid REFERENCES users (id),
  cancelled_by_name text NOT NULL,
  recipient_roles text[] NOT NULL,
  recipient_names text[] NOT NULL,
  pdf bytea NOT NULL,
  UNIQUE (school_id, id),
  UNIQUE (visit_id),
  FOREIGN KEY (school_id, visit_id) REFERENCES visits (school_id, id)
);
CREATE INDEX cancellation_notices_school ON cancellation_notices (school_id, cancelled_at DESC);

CREATE TABLE agreements (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools (id),
  pupil_id uuid NOT NULL,
  visit_id uuid,
  text text NOT NULL CHECK (length(trim(text)) > 0 AND length(text) <= 2000),
  agreed_on date NOT NULL,
  review_on date NOT NULL,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'kept', 'withdrawn')),
  follow_up_visit_id uuid,
  created_by uuid REFERENCES users (id),
  created_by_name text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (school_id, id),
  FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id),
  FOREIGN KEY (school_id, visit_id) REFERENCES visits (school_id, id),
  FOREIGN KEY (school_id, follow_up_visit_id) REFERENCES visits (school_id, id)
);
CREATE INDEX agreements_pupil ON agreements (school_id, pupil_id, agreed_on DESC);
CREATE INDEX agreements_due ON agreements (school_id, review_on) WHERE status = 'open';

-- The adults the agreement was made with: the letters go to them, each by their own name.
CREATE TABLE agreement_adults (
  school_id uuid NOT NULL REFERENCES schools (id),
  agreement_id uuid NOT NULL,
  contact_id uuid NOT NULL,
  PRIMARY KEY (agreement_id, contact_id),
  FOREIGN KEY (school_id, agreement_id) REFERENCES agreements (school_id, id),
  FOREIGN KEY (school_id, contact_id) REFERENCES contacts (school_id, id)
);

CREATE TABLE agreement_reviews (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools (id),
  agreement_id uuid NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('kept', 'not_kept')),
  note text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
  review_on date NOT NULL,
  next_review_on date,
  reviewed_at timestamptz NOT NULL,
  reviewed_by uuid REFERENCES users (id),
  reviewed_by_name text NOT NULL,
  UNIQUE (school_id, id),
  FOREIGN KEY (school_id, agreement_id) REFERENCES agreements (school_id, id),
  CHECK ((outcome = 'not_kept') = (next_review_on IS NOT NULL))
);
CREATE INDEX agreement_reviews_agreement ON agreement_reviews (agreement_id, reviewed_at);

-- The school's reminder letter, which the head edits. A school with no row uses Doorstep's default text.
CREATE TABLE letter_templates (
  school_id uuid PRIMARY KEY REFERENCES schools (id),
  body text NOT NULL CHECK (length(trim(body)) > 0 AND length(body) <= 10000),
  updated_at timestamptz NOT NULL,
  updated_by uuid REFERENCES users (id),
  updated_by_name text NOT NULL
);

-- A reminder letter to one adult after one not-kept review: the text and the PDF as produced, then posted.
CREATE TABLE letters (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools (id),
  agreement_id uuid NOT NULL,
  review_id uuid NOT NULL,
  contact_id uuid NOT NULL,
  addressed_to text NOT NULL,
  postal_address text NOT NULL DEFAULT '',
  body text NOT NULL,
  pdf bytea NOT NULL,
  produced_at timestamptz NOT NULL,
  produced_by uuid REFERENCES users (id),
  produced_by_name text NOT NULL,
  posted_at timestamptz,
  posted_by uuid REFERENCES users (id),
  posted_by_name text,
  UNIQUE (school_id, id),
  UNIQUE (review_id, contact_id),
  FOREIGN KEY (school_id, agreement_id) REFERENCES agreements (school_id, id),
  FOREIGN KEY (school_id, review_id) REFERENCES agreement_reviews (school_id, id),
  FOREIGN KEY (school_id, contact_id) REFERENCES contacts (school_id, id),
  CHECK ((posted_at IS NULL) = (posted_by_name IS NULL))
);
CREATE INDEX letters_to_post ON letters (school_id, produced_at) WHERE posted_at IS NULL;

-- R-FEEDBACK-1: a visitor's answers after a visit, for the policy review of the period they fall in.
CREATE TABLE visit_feedback (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools (id),
  visit_id uuid NOT NULL,
  user_id uuid NOT NULL REFERENCES users (id),
  period_from date NOT NULL,
  felt_safe text CHECK (felt_safe IN ('yes', 'mostly', 'no')),
  briefing_enough text CHECK (briefing_enough IN ('yes', 'partly', 'no')),
  check_ins_worked text CHECK (check_ins_worked IN ('yes', 'partly', 'no')),
  comments text NOT NULL DEFAULT '' CHECK (length(comments) <= 2000),
  given_at timestamptz NOT NULL,
  UNIQUE (school_id, id),
  UNIQUE (visit_id, user_id),
  FOREIGN KEY (school_id, visit_id) REFERENCES visits (school_id, id)
);
CREATE INDEX visit_feedback_period ON visit_feedback (school_id, period_from);
