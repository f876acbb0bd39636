-- Home visits: the plan, the people on it, its risk assessment, approval decisions and the
-- append-only history (R-PURPOSE-1/2, R-APPROVE-1/2, R-RISK-1..3, R-STAFF-1..6, R-NOTICE-1/2,
-- R-HOURS-1, R-FAMILY-2..4, R-VEHICLE-1/2, R-CONTACT-1, R-ITIN-1..3, R-AUDIT-1).
-- Every row carries its school. A visit follows the policy version it was planned under
-- (policy_version_id), never the school's current policy.
-- The live-safety work (check-ins, deadlines, escalation) stands on these tables: it adds the
-- statuses 'in_progress' and 'completed' (already allowed here) and appends to visit_events.

CREATE TABLE visits (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools (id),
  policy_version_id uuid NOT NULL REFERENCES policy_versions (id),
  status text NOT NULL DEFAULT 'draft'
    CHECK (status IN ('draft', 'awaiting_risk_assessment', 'awaiting_approval', 'approved', 'refused', 'cancelled',
                      'in_progress', 'completed')),
  -- Why (R-PURPOSE-1/2). purpose_id is an id from the policy version's purposes.
  purpose_id text CHECK (purpose_id ~ '^[a-z][a-z0-9_]*$'),
  purpose_detail text NOT NULL DEFAULT '',
  why_not_in_school text NOT NULL DEFAULT '',
  necessity_confirmed boolean NOT NULL DEFAULT false,
  -- Where (R-ITIN-1). The pupil's main address unless the planner chose another.
  address_id uuid,
  -- When (R-ITIN-1), all instants; pages show them in UK local time.
  -- planned_start/planned_end: the visit itself, as agreed with the family. Check-ins count from
  -- planned_start ("scheduled start"). The itinerary around it: leave_school_at <= arrive_at <=
  -- planned_start < planned_end <= finish_at <= back_at_school_at (NULL: not returning to school, R-SIGN-2).
  planned_start timestamptz,
  planned_end timestamptz,
  leave_school_at timestamptz,
  arrive_at timestamptz,
  finish_at timestamptz,
  back_at_school_at timestamptz,
  -- How (R-VEHICLE-1/2). NULL: on foot or by public transport.
  vehicle_id uuid REFERENCES vehicles (id), -- vehicles has no (school_id, id) key: the service checks the school
  -- Telling the family (R-NOTICE-1): notice given, or the policy exception that applies.
  notice_given_on date,
  notice_method text,
  choice_of_times_offered boolean,
  notice_exception_id text CHECK (notice_exception_id ~ '^[a-z][a-z0-9_]*$'),
  notice_exception_reason text NOT NULL DEFAULT '',
  -- Out of hours (R-HOURS-1): worked out from the times and the policy's hours on every save.
  out_of_hours boolean NOT NULL DEFAULT false,
  out_of_hours_reason text NOT NULL DEFAULT '',
  responsible_contact_user_id uuid REFERENCES users (id),
  -- Lone visit (R-STAFF-1/2): one visitor; needs the named approver's decision and a lone-working RA.
  lone_visit boolean NOT NULL DEFAULT false,
  lone_approved_by uuid REFERENCES users (id),
  lone_approved_at timestamptz,
  -- R-ITIN-2: seen only by the visitors on the visit, the office and the DSL/head. Never copied into
  -- visit_events or audit_log.
  code_word text NOT NULL DEFAULT '',
  contingency_plan text NOT NULL DEFAULT '',
  -- From the risk assessment (R-RISK-3, R-PURPOSE-2).
  police_accompaniment_requested boolean NOT NULL DEFAULT false,
  invite_into_school_decision text CHECK (invite_into_school_decision IN ('invite_instead', 'go_ahead')),
  invite_into_school_reason text NOT NULL DEFAULT '',
  -- Readiness and family warnings shown to the planner and the approver (R-STAFF-3..5, R-NOTICE-2, R-VEHICLE-1),
  -- as worked out at the last save: [{ code, message }].
  warnings jsonb NOT NULL DEFAULT '[]'::jsonb,
  -- Approval round: decisions of earlier rounds no longer count once a visit is sent back (R-APPROVE-1).
  approval_round integer NOT NULL DEFAULT 1,
  cancelled_reason text,
  created_by uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  submitted_at timestamptz,
  approved_at timestamptz,
  -- Optimistic concurrency: every change increments it; a change made from an older version is refused.
  version integer NOT NULL DEFAULT 1,
  CHECK (planned_end IS NULL OR planned_start IS NULL OR planned_end > planned_start),
  UNIQUE (school_id, id),
  FOREIGN KEY (school_id, address_id) REFERENCES addresses (school_id, id),
  CHECK (notice_exception_id IS NULL OR notice_given_on IS NULL)
);
CREATE INDEX visits_school_start ON visits (school_id, planned_start);
CREATE INDEX visits_school_status ON visits (school_id, status);
CREATE INDEX visits_address ON visits (school_id, address_id);
CREATE INDEX visits_created_by ON visits (school_id, created_by);

-- The pupils a visit is about.
CREATE TABLE visit_pupils (
  school_id uuid NOT NULL REFERENCES schools (id),
  visit_id uuid NOT NULL,
  pupil_id uuid NOT NULL,
  PRIMARY KEY (visit_id, pupil_id),
  FOREIGN KEY (school_id, visit_id) REFERENCES visits (school_id, id),
  FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id)
);
CREATE INDEX visit_pupils_pupil ON visit_pupils (school_id, pupil_id);

-- The adults being visited (parents, carers).
CREATE TABLE visit_contacts (
  school_id uuid NOT NULL REFERENCES schools (id),
  visit_id uuid NOT NULL,
  contact_id uuid NOT NULL,
  PRIMARY KEY (visit_id, contact_id),
  FOREIGN KEY (school_id, visit_id) REFERENCES visits (school_id, id),
  FOREIGN KEY (school_id, contact_id) REFERENCES contacts (school_id, id)
);
CREATE INDEX visit_contacts_contact ON visit_contacts (school_id, contact_id);

-- Who goes (R-STAFF-6) and the mobile each carries, as held when the plan was saved (R-CONTACT-1).
CREATE TABLE visit_staff (
  school_id uuid NOT NULL REFERENCES schools (id),
  visit_id uuid NOT NULL,
  user_id uuid NOT NULL REFERENCES users (id),
  role_on_visit text NOT NULL CHECK (role_on_visit IN ('lead', 'second', 'note_taker')),
  mobile text,
  PRIMARY KEY (visit_id, user_id),
  FOREIGN KEY (school_id, visit_id) REFERENCES visits (school_id, id)
);
CREATE UNIQUE INDEX visit_staff_one_lead ON visit_staff (visit_id) WHERE role_on_visit = 'lead';
CREATE INDEX visit_staff_user ON visit_staff (school_id, user_id);

-- The visit's risk assessment (R-RISK-1/2): one per visit, re-opened in place; its history is in visit_events.
-- answers: { <policy required field id>: text }; lone_working: the lone-working assessment (R-STAFF-2) or NULL.
CREATE TABLE risk_assessments (
  visit_id uuid PRIMARY KEY,
  school_id uuid NOT NULL REFERENCES schools (id),
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completed', 'signed_off', 'reopened')),
  answers jsonb NOT NULL DEFAULT '{}'::jsonb,
  lone_working jsonb,
  -- R-FAMILY-4: the family has been asked to keep known animals in a separate room or outside.
  animals_kept_away_requested boolean,
  -- Ids of the address hazards the assessor saw when completing it: any other hazard is a new risk (R-RISK-2).
  hazards_considered jsonb NOT NULL DEFAULT '[]'::jsonb,
  risks_found boolean,
  completed_by uuid REFERENCES users (id),
  completed_by_name text,
  completed_at timestamptz,
  signed_off_by uuid REFERENCES users (id),
  signed_off_by_name text,
  signed_off_at timestamptz,
  reopened_reason text,
  reopened_at timestamptz,
  updated_at timestamptz NOT NULL,
  FOREIGN KEY (school_id, visit_id) REFERENCES visits (school_id, id)
);
CREATE INDEX risk_assessments_school ON risk_assessments (school_id, status);

-- Approval decisions (R-APPROVE-1/2, R-STAFF-2, R-HOURS-1). A visit may need several: the visit itself,
-- a lone visit, out of hours; each by the roles its policy version names. Rows are never changed.
CREATE TABLE visit_decisions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools (id),
  visit_id uuid NOT NULL,
  approval_round integer NOT NULL,
  requirement text NOT NULL CHECK (requirement IN ('visit', 'lone_visit', 'out_of_hours')),
  outcome text NOT NULL CHECK (outcome IN ('approved', 'refused')),
  reason text NOT NULL DEFAULT '',
  decided_by uuid NOT NULL REFERENCES users (id),
  decided_by_name text NOT NULL,
  decided_as text NOT NULL,
  at timestamptz NOT NULL,
  FOREIGN KEY (school_id, visit_id) REFERENCES visits (school_id, id),
  CHECK (outcome = 'approved' OR length(trim(reason)) > 0)
);
CREATE INDEX visit_decisions_visit ON visit_decisions (visit_id, approval_round);
CREATE TRIGGER visit_decisions_append_only BEFORE UPDATE OR DELETE ON visit_decisions
  FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();

-- The visit's history (DESIGN: append-only), written in the same transaction as the change it records.
-- payload never holds the code word.
CREATE TABLE visit_events (
  id bigserial PRIMARY KEY,
  school_id uuid NOT NULL REFERENCES schools (id),
  visit_id uuid NOT NULL,
  at timestamptz NOT NULL,
  actor_user_id uuid REFERENCES users (id),
  actor_name text NOT NULL,
  kind text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.]*$'),
  summary text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  FOREIGN KEY (school_id, visit_id) REFERENCES visits (school_id, id)
);
CREATE INDEX visit_events_visit ON visit_events (visit_id, id);
CREATE INDEX visit_events_school_at ON visit_events (school_id, at);
CREATE TRIGGER visit_events_append_only BEFORE UPDATE OR DELETE ON visit_events
  FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
