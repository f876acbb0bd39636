-- After the visit (R-REC-1, R-REC-2, R-REC-3, R-FOLLOW-1, decision 0021): the visit record, written as a
-- draft while the visitors remember and completed within the policy's time (records.completeWithinHours);
-- follow-up actions with an owner and a due date; and the daily digests that tell the DSL, the head and
-- each owner what is overdue (counts and a link only).

-- One record per visit. present: [{ name, relationship, contactId|null, userId|null }] (the family's
-- adults picked from the pupil's family, staff on the visit, or anyone added by hand). concerns is
-- safeguarding detail (R-CONF-1): read only by the safeguarding roles and the record's own writers.
CREATE TABLE visit_records (
  visit_id uuid PRIMARY KEY,
  school_id uuid NOT NULL REFERENCES schools (id),
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'completed')),
  present jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(present) = 'array'),
  arrived_at timestamptz,
  left_at timestamptz,
  discussed text NOT NULL DEFAULT '' CHECK (length(discussed) <= 10000),
  agreements text NOT NULL DEFAULT '' CHECK (length(agreements) <= 10000),
  concerns text NOT NULL DEFAULT '' CHECK (length(concerns) <= 10000),
  actions text NOT NULL DEFAULT '' CHECK (length(actions) <= 10000),
  -- Every save increments it; a save from an older version is refused (two phones, one record).
  version integer NOT NULL DEFAULT 1,
  created_by uuid REFERENCES users (id),
  created_at timestamptz NOT NULL,
  updated_by uuid REFERENCES users (id),
  updated_by_name text NOT NULL,
  updated_at timestamptz NOT NULL,
  completed_by uuid REFERENCES users (id),
  completed_by_name text,
  completed_at timestamptz,
  UNIQUE (school_id, visit_id),
  FOREIGN KEY (school_id, visit_id) REFERENCES visits (school_id, id),
  CHECK ((status = 'completed') = (completed_at IS NOT NULL)),
  CHECK (left_at IS NULL OR arrived_at IS NULL OR left_at >= arrived_at)
);
CREATE INDEX visit_records_school_status ON visit_records (school_id, status);

-- Follow-up actions (R-FOLLOW-1): from a visit's record, or added on a pupil's page. The pupil is
-- always known (a visit's action names one of its pupils), so the pupil's chronology lists it.
CREATE TABLE follow_up_actions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools (id),
  pupil_id uuid NOT NULL,
  visit_id uuid,
  description text NOT NULL CHECK (length(trim(description)) > 0 AND length(description) <= 2000),
  owner_user_id uuid NOT NULL REFERENCES users (id),
  due_on date NOT NULL,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
  created_by uuid REFERENCES users (id),
  created_by_name text NOT NULL,
  created_at timestamptz NOT NULL,
  done_by uuid REFERENCES users (id),
  done_by_name text,
  done_at timestamptz,
  done_note text NOT NULL DEFAULT '' CHECK (length(done_note) <= 2000),
  UNIQUE (school_id, id),
  FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id),
  FOREIGN KEY (school_id, visit_id) REFERENCES visits (school_id, id),
  CHECK ((status = 'done') = (done_at IS NOT NULL))
);
CREATE INDEX follow_up_actions_open ON follow_up_actions (school_id, due_on) WHERE status = 'open';
CREATE INDEX follow_up_actions_pupil ON follow_up_actions (school_id, pupil_id);
CREATE INDEX follow_up_actions_visit ON follow_up_actions (school_id, visit_id);
CREATE INDEX follow_up_actions_owner ON follow_up_actions (owner_user_id) WHERE status = 'open';

-- Each daily digest is sent once per person, school, kind and UK day, whichever instance runs it.
CREATE TABLE digests_sent (
  school_id uuid NOT NULL REFERENCES schools (id),
  user_id uuid NOT NULL REFERENCES users (id),
  kind text NOT NULL CHECK (kind IN ('overdue_follow_up', 'own_overdue_actions')),
  day date NOT NULL,
  sent_at timestamptz NOT NULL,
  PRIMARY KEY (school_id, user_id, kind, day)
);

-- The digests are notifications (in the app, and by email through the durable delivery jobs).
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
  CHECK (kind IN ('alarm', 'realert', 'reminder', 'office_prompt', 'wait_limit', 'safe', 'test', 'digest'));
