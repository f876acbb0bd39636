-- After the visit (issue 9 §4, §5): safeguarding concerns and disclosures for the DSL (R-SAFE-1, R-ALERT-3),
-- and incidents on visits for the headteacher or CLT (R-INC-1, R-FAMILY-3, R-RISK-4). Decision 0022.

-- A safeguarding concern or a disclosure about one or more pupils, raised during or after a visit (or from
-- a pupil's page). Only the safeguarding roles read it; every view is in the audit history.
CREATE TABLE concerns (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools (id),
  visit_id uuid,
  kind text NOT NULL CHECK (kind IN ('concern', 'disclosure')),
  category text NOT NULL CHECK (length(category) BETWEEN 1 AND 60),
  -- What was seen or heard, in the member of staff's words.
  account text NOT NULL CHECK (length(trim(account)) > 0 AND length(account) <= 8000),
  -- A disclosure: what the child said, in the child's own words.
  child_words text NOT NULL DEFAULT '' CHECK (length(child_words) <= 8000),
  happened_at timestamptz NOT NULL,
  immediate_action text NOT NULL CHECK (length(trim(immediate_action)) > 0 AND length(immediate_action) <= 4000),
  raised_by uuid REFERENCES users (id),
  raised_by_name text NOT NULL,
  raised_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  outcome text NOT NULL DEFAULT '' CHECK (length(outcome) <= 4000),
  closed_at timestamptz,
  closed_by uuid REFERENCES users (id),
  closed_by_name text,
  UNIQUE (school_id, id),
  FOREIGN KEY (school_id, visit_id) REFERENCES visits (school_id, id),
  CHECK ((status = 'closed') = (closed_at IS NOT NULL)),
  CHECK (status = 'open' OR length(trim(outcome)) > 0)
);
CREATE INDEX concerns_school ON concerns (school_id, raised_at DESC);

CREATE TABLE concern_pupils (
  school_id uuid NOT NULL,
  concern_id uuid NOT NULL,
  pupil_id uuid NOT NULL,
  PRIMARY KEY (concern_id, pupil_id),
  FOREIGN KEY (school_id, concern_id) REFERENCES concerns (school_id, id),
  FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id)
);
CREATE INDEX concern_pupils_pupil ON concern_pupils (school_id, pupil_id);

-- What the DSL team did: an action, or a referral (police, children's social care, early help, other), with
-- when it was done, the agency's reference and the outcome.
CREATE TABLE concern_actions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL,
  concern_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('action', 'police', 'childrens_social_care', 'early_help', 'other_referral')),
  agency text NOT NULL DEFAULT '' CHECK (length(agency) <= 200),
  done_at timestamptz NOT NULL,
  what text NOT NULL CHECK (length(trim(what)) > 0 AND length(what) <= 4000),
  reference text NOT NULL DEFAULT '' CHECK (length(reference) <= 100),
  outcome text NOT NULL DEFAULT '' CHECK (length(outcome) <= 4000),
  recorded_by uuid REFERENCES users (id),
  recorded_by_name text NOT NULL,
  recorded_at timestamptz NOT NULL,
  FOREIGN KEY (school_id, concern_id) REFERENCES concerns (school_id, id)
);
CREATE INDEX concern_actions_concern ON concern_actions (concern_id, done_at);

-- An incident on a home visit: a trip or fall, an accident, abusive or threatening behaviour, a physical
-- intervention, other. Reported to the roles the policy names; prompts a review of the standing risk assessment.
CREATE TABLE incidents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools (id),
  visit_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('trip_or_fall', 'accident', 'abusive_behaviour', 'physical_intervention', 'other')),
  happened_at timestamptz NOT NULL,
  location text NOT NULL CHECK (length(trim(location)) > 0 AND length(location) <= 300),
  what_happened text NOT NULL CHECK (length(trim(what_happened)) > 0 AND length(what_happened) <= 8000),
  -- A physical intervention: what was done, and why (both required for that kind).
  intervention_what text NOT NULL DEFAULT '' CHECK (length(intervention_what) <= 4000),
  intervention_why text NOT NULL DEFAULT '' CHECK (length(intervention_why) <= 4000),
  reported_by uuid REFERENCES users (id),
  reported_by_name text NOT NULL,
  recorded_at timestamptz NOT NULL,
  -- R-RISK-4: the standing risk assessment named by the policy, to be reviewed after this incident (null: none).
  risk_review_of text CHECK (risk_review_of IS NULL OR length(risk_review_of) <= 200),
  risk_reviewed_at timestamptz,
  risk_reviewed_by uuid REFERENCES users (id),
  risk_reviewed_by_name text,
  risk_review_note text NOT NULL DEFAULT '' CHECK (length(risk_review_note) <= 4000),
  UNIQUE (school_id, id),
  FOREIGN KEY (school_id, visit_id) REFERENCES visits (school_id, id),
  CHECK (kind <> 'physical_intervention' OR (length(trim(intervention_what)) > 0 AND length(trim(intervention_why)) > 0)),
  CHECK (risk_reviewed_at IS NULL OR risk_review_of IS NOT NULL)
);
CREATE INDEX incidents_school ON incidents (school_id, happened_at DESC);

CREATE TABLE incident_staff (
  school_id uuid NOT NULL,
  incident_id uuid NOT NULL,
  user_id uuid NOT NULL REFERENCES users (id),
  PRIMARY KEY (incident_id, user_id),
  FOREIGN KEY (school_id, incident_id) REFERENCES incidents (school_id, id)
);

-- Adults of the pupils' families involved; `stopped_appointments`: the incident stopped appointments with them (R-FAMILY-3).
CREATE TABLE incident_adults (
  school_id uuid NOT NULL,
  incident_id uuid NOT NULL,
  contact_id uuid NOT NULL,
  stopped_appointments boolean NOT NULL DEFAULT false,
  PRIMARY KEY (incident_id, contact_id),
  FOREIGN KEY (school_id, incident_id) REFERENCES incidents (school_id, id),
  FOREIGN KEY (school_id, contact_id) REFERENCES contacts (school_id, id)
);

-- Alerts for a concern (the safeguarding team) and an incident (the headteacher or CLT), in the app, by email
-- and Web Push, carrying no detail. Every kind so far (the lead reconciles other branches' kinds at merge).
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
  CHECK (kind IN ('alarm', 'realert', 'reminder', 'office_prompt', 'wait_limit', 'safe', 'test', 'concern', 'incident'));
