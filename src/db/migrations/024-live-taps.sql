-- A tap on the visitor's phone page, by the reference the phone made for it (decision 0018). With a weak
-- signal the phone cannot tell whether a tap arrived, so it sends it again until the server answers; the
-- server answers a tap it has seen as done. Check-ins keep their reference on their own row
-- (check_ins.client_ref); this table holds the rest: the day's steps and the alarms a visitor raises,
-- so "waiting for the parents" sent twice is not refused and a silent alarm sent twice is one alarm.
CREATE TABLE live_taps (
  school_id uuid NOT NULL REFERENCES schools (id),
  visit_id uuid NOT NULL,
  client_ref text NOT NULL CHECK (client_ref ~ '^[A-Za-z0-9_-]{8,64}$'),
  action text NOT NULL,
  at timestamptz NOT NULL,
  by_user_id uuid REFERENCES users (id),
  -- The alarm a tap raised (a silent alarm, child alone, 999 called), so a repeat answers with the same one.
  alarm_id uuid,
  PRIMARY KEY (visit_id, client_ref),
  FOREIGN KEY (school_id, visit_id) REFERENCES visits (school_id, id)
);
CREATE TRIGGER live_taps_append_only BEFORE UPDATE OR DELETE ON live_taps
  FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
