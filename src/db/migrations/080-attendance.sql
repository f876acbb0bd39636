-- R-ATT-1: attendance marks imported from the school's MIS, one row per pupil and session (a morning or an
-- afternoon), with the DfE code the register holds (src/domain/attendance-codes.ts). An import covers a period;
-- importing the same period again replaces every mark in it (docs/decisions/0026).

CREATE TABLE attendance_imports (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools (id),
  period_from date NOT NULL,
  period_to date NOT NULL CHECK (period_to >= period_from),
  marks integer NOT NULL CHECK (marks >= 0),
  pupils integer NOT NULL CHECK (pupils >= 0),
  replaced integer NOT NULL DEFAULT 0 CHECK (replaced >= 0),
  source text NOT NULL CHECK (source IN ('file', 'paste', 'api')),
  file_name text NOT NULL DEFAULT '',
  imported_by uuid REFERENCES users (id),
  imported_by_name text NOT NULL,
  imported_at timestamptz NOT NULL,
  UNIQUE (school_id, id)
);
CREATE INDEX attendance_imports_school ON attendance_imports (school_id, imported_at DESC);

CREATE TABLE attendance_marks (
  school_id uuid NOT NULL REFERENCES schools (id),
  pupil_id uuid NOT NULL,
  date date NOT NULL,
  session text NOT NULL CHECK (session IN ('AM', 'PM')),
  code text NOT NULL CHECK (code ~ '^([/\\#A-Z]|[A-Z][0-9])$'),
  import_id uuid NOT NULL,
  PRIMARY KEY (school_id, pupil_id, date, session),
  FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id),
  FOREIGN KEY (school_id, import_id) REFERENCES attendance_imports (school_id, id)
);
CREATE INDEX attendance_marks_school_date ON attendance_marks (school_id, date);
