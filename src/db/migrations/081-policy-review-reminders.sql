-- R-GOV-2: the reminder to the headteacher that the policy's review is due, sent once for each due date.
CREATE TABLE policy_review_reminders (
  school_id uuid NOT NULL REFERENCES schools (id),
  due_on date NOT NULL,
  sent_at timestamptz NOT NULL,
  recipients integer NOT NULL,
  PRIMARY KEY (school_id, due_on)
);
