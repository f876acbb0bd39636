-- Keeping visitors safe while they are out (R-SIGN-1/2, R-CHECK-1..3, R-WAIT-1/2, R-ENTRY-1/2, R-ALERT-1..3,
-- R-ESC-1..4, R-TUTOR-1). The visit's day runs in stages while its status is in_progress; check-ins, alarms,
-- their escalation steps and every message sent about them are rows here. Durable deadlines are
-- graphile-worker jobs (its own schema), one per visit and kind of deadline, written in the same
-- transaction as the change that sets them.

ALTER TABLE visits
  ADD COLUMN stage text CHECK (stage IN ('signed_out', 'arrived', 'waiting_for_parents', 'parents_running_late',
                                         'on_doorstep', 'in_home', 'left_home')),
  ADD COLUMN stage_since timestamptz,
  ADD COLUMN outcome text CHECK (outcome IN ('contact', 'doorstep', 'no_contact', 'cancelled_at_door')),
  ADD COLUMN outcome_reason text NOT NULL DEFAULT '',
  ADD COLUMN signed_out_at timestamptz,
  ADD COLUMN arrived_at timestamptz,
  ADD COLUMN monitoring_ended_at timestamptz,
  -- The itinerary as it stands while the visit is live: the plan's times, moved when the visitors
  -- sign out late or report they are running late (R-CHECK-3). NULL before signing out.
  ADD COLUMN expected_leave_school_at timestamptz,
  ADD COLUMN expected_arrive_at timestamptz,
  ADD COLUMN expected_start_at timestamptz,
  ADD COLUMN expected_end_at timestamptz,
  ADD COLUMN expected_back_at timestamptz,
  -- R-ENTRY-1 and R-TUTOR-1: the answers given on going in.
  ADD COLUMN entry_checklist jsonb,
  ADD CONSTRAINT visits_stage_only_in_progress CHECK ((status = 'in_progress') = (stage IS NOT NULL));
CREATE INDEX visits_live ON visits (school_id) WHERE status = 'in_progress';

-- R-CHECK-1: every contact with the visitors: a tap in the app, or a call or text the office records.
-- kind: which scheduled moment it answered (check-in-schedule.ts); NULL for a contact outside the schedule
-- (an office call with no answer is recorded with answered = false and answers nothing).
CREATE TABLE check_ins (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools (id),
  visit_id uuid NOT NULL,
  kind text CHECK (kind IN ('leaving_school', 'arrival', 'first_check', 'interval', 'end', 'return')),
  at timestamptz NOT NULL,
  by_user_id uuid REFERENCES users (id),
  by_name text NOT NULL,
  channel text NOT NULL CHECK (channel IN ('app', 'phone_call', 'text', 'in_person')),
  answered boolean NOT NULL DEFAULT true,
  note text NOT NULL DEFAULT '',
  latitude double precision CHECK (latitude BETWEEN -90 AND 90),
  longitude double precision CHECK (longitude BETWEEN -180 AND 180),
  accuracy_m double precision CHECK (accuracy_m >= 0),
  -- The phone's own id for the tap, so a tap retried after a lost signal is recorded once.
  client_ref text CHECK (client_ref ~ '^[A-Za-z0-9_-]{8,64}$'),
  FOREIGN KEY (school_id, visit_id) REFERENCES visits (school_id, id),
  CHECK ((latitude IS NULL) = (longitude IS NULL))
);
CREATE INDEX check_ins_visit ON check_ins (visit_id, at);
CREATE UNIQUE INDEX check_ins_client_ref ON check_ins (visit_id, client_ref) WHERE client_ref IS NOT NULL;
CREATE TRIGGER check_ins_append_only BEFORE UPDATE OR DELETE ON check_ins
  FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();

-- Things done once per visit that are not check-ins: a reminder sent, the office prompted, a wait limit
-- passed. The key says which (monitoring.ts); the unique key makes each happen exactly once.
CREATE TABLE visit_signals (
  school_id uuid NOT NULL REFERENCES schools (id),
  visit_id uuid NOT NULL,
  key text NOT NULL,
  at timestamptz NOT NULL,
  PRIMARY KEY (visit_id, key),
  FOREIGN KEY (school_id, visit_id) REFERENCES visits (school_id, id)
);

-- R-ESC-1..4, R-ALERT-1..3: an alarm, raised by Doorstep (a missed check-in or return) or by a person
-- (silent alarm, duress PIN, code word, child alone, 999). It stays open until someone records that the
-- visitors are safe, with who and how; nothing closes it on its own.
CREATE TABLE alarms (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools (id),
  visit_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('missed_check_in', 'silent_alarm', 'duress', 'code_word', 'child_alone',
                                     'emergency_services')),
  key text NOT NULL,
  priority text NOT NULL CHECK (priority IN ('top', 'normal')),
  summary text NOT NULL,
  -- The moment the ladder counts from (the missed check-in's overdue time, or when raised).
  due_at timestamptz NOT NULL,
  raised_at timestamptz NOT NULL,
  raised_by uuid REFERENCES users (id),
  raised_by_name text NOT NULL,
  closed_at timestamptz,
  closed_by uuid REFERENCES users (id),
  closed_by_name text,
  closed_how text CHECK (closed_how IN ('spoke_to_visitor', 'visitor_back_at_school', 'seen_in_person', 'police_confirmed', 'other')),
  closed_note text,
  UNIQUE (school_id, id),
  UNIQUE (visit_id, key),
  FOREIGN KEY (school_id, visit_id) REFERENCES visits (school_id, id),
  CHECK ((closed_at IS NULL) = (closed_by_name IS NULL))
);
CREATE INDEX alarms_open ON alarms (school_id) WHERE closed_at IS NULL;

-- Each step of an alarm's ladder: when it alerted, how many re-alerts, and its acknowledgement (R-ESC-2).
CREATE TABLE alarm_steps (
  school_id uuid NOT NULL REFERENCES schools (id),
  alarm_id uuid NOT NULL,
  number integer NOT NULL CHECK (number >= 1),
  action text NOT NULL,
  recipients jsonb NOT NULL,
  alerted_at timestamptz NOT NULL,
  last_alerted_at timestamptz NOT NULL,
  realerts integer NOT NULL DEFAULT 0,
  acknowledged_at timestamptz,
  acknowledged_by uuid REFERENCES users (id),
  acknowledged_by_name text,
  outcome text CHECK (outcome IN ('reached_visitors', 'no_answer', 'decided', 'police_called')),
  reference text,
  note text,
  PRIMARY KEY (alarm_id, number),
  FOREIGN KEY (school_id, alarm_id) REFERENCES alarms (school_id, id),
  CHECK ((acknowledged_at IS NULL) = (outcome IS NULL)),
  CHECK (outcome IS DISTINCT FROM 'police_called' OR length(trim(coalesce(reference, ''))) > 0)
);

-- Messages to people: in the app (this row), and by email and Web Push (one delivery row per channel,
-- each sent by its own durable job with retries). Messages that leave Doorstep carry only the title:
-- no code word, no family detail.
CREATE TABLE notifications (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools (id),
  user_id uuid NOT NULL REFERENCES users (id),
  visit_id uuid,
  alarm_id uuid,
  kind text NOT NULL CHECK (kind IN ('alarm', 'realert', 'reminder', 'office_prompt', 'wait_limit', 'safe')),
  priority text NOT NULL CHECK (priority IN ('top', 'high', 'normal')),
  title text NOT NULL,
  body text NOT NULL DEFAULT '',
  link text NOT NULL,
  created_at timestamptz NOT NULL,
  read_at timestamptz,
  FOREIGN KEY (school_id, visit_id) REFERENCES visits (school_id, id),
  FOREIGN KEY (school_id, alarm_id) REFERENCES alarms (school_id, id)
);
CREATE INDEX notifications_user ON notifications (user_id, created_at DESC);

CREATE TABLE notification_deliveries (
  notification_id uuid NOT NULL REFERENCES notifications (id),
  channel text NOT NULL CHECK (channel IN ('email', 'push')),
  status text NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'no_address')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  sent_at timestamptz,
  PRIMARY KEY (notification_id, channel)
);
CREATE INDEX notification_deliveries_failed ON notification_deliveries (channel) WHERE status = 'failed';

-- Web Push subscriptions (one per browser a person turned notifications on in).
CREATE TABLE push_subscriptions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id),
  endpoint text NOT NULL CHECK (endpoint ~ '^https?://'),
  p256dh text NOT NULL,
  auth text NOT NULL,
  created_at timestamptz NOT NULL,
  UNIQUE (endpoint)
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);

-- R-ALERT-1: a visitor's PINs for ending a visit. The duress PIN looks like a normal end but raises a
-- silent alarm. Both argon2id hashes; NULL until the person sets them.
ALTER TABLE users
  ADD COLUMN visit_pin_hash text,
  ADD COLUMN duress_pin_hash text;

-- Live instances and their deadline workers: a worker whose heartbeat stopped has its locked jobs
-- released by the others (graphile-worker's forceUnlockWorkers), so a killed instance loses nothing.
CREATE TABLE worker_heartbeats (
  worker_id text PRIMARY KEY,
  beat_at timestamptz NOT NULL
);
