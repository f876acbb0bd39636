-- Staff readiness for home visits: DBS checks, training records and the vehicles used
-- (R-STAFF-3, R-STAFF-4, R-STAFF-5, R-VEHICLE-1, R-VEHICLE-2). Mobile numbers stay on users.mobile (R-CONTACT-1).
-- Every row belongs to one school; the same person working in two schools has a record in each.
-- Earlier values are kept in the audit history (R-AUDIT-1), not here.

-- The latest DBS check of a member of staff, as the school recorded it.
CREATE TABLE staff_dbs (
  school_id uuid NOT NULL REFERENCES schools (id),
  user_id uuid NOT NULL REFERENCES users (id),
  level text NOT NULL CHECK (level IN ('basic', 'standard', 'enhanced')),
  barred_list_checked boolean NOT NULL,
  certificate_number text NOT NULL CHECK (certificate_number ~ '^[0-9]{12}$'),
  issued_on date NOT NULL,
  update_service boolean NOT NULL DEFAULT false,
  recorded_by uuid REFERENCES users (id),
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (school_id, user_id)
);

-- Training a member of staff has completed. training_id is the id of a training in the school's policy
-- (policy.training.trainings); it is text, not a foreign key, because the policy is versioned data.
CREATE TABLE staff_trainings (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools (id),
  user_id uuid NOT NULL REFERENCES users (id),
  training_id text NOT NULL CHECK (training_id ~ '^[a-z][a-z0-9_]*$'),
  completed_on date NOT NULL,
  expires_on date CHECK (expires_on IS NULL OR expires_on > completed_on),
  recorded_by uuid REFERENCES users (id),
  recorded_at timestamptz NOT NULL
);
CREATE INDEX staff_trainings_person ON staff_trainings (school_id, user_id);

-- Vehicles used for home visits, held by the office. owner_user_id NULL: a school vehicle.
-- A removed vehicle keeps its row (removed_at) so visits planned with it still name it.
CREATE TABLE vehicles (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools (id),
  owner_user_id uuid REFERENCES users (id),
  make text NOT NULL CHECK (length(trim(make)) > 0),
  model text NOT NULL CHECK (length(trim(model)) > 0),
  registration text NOT NULL CHECK (registration = upper(registration) AND length(registration) BETWEEN 2 AND 9),
  colour text NOT NULL CHECK (length(trim(colour)) > 0),
  insurance_expires_on date NOT NULL,
  business_use_cover boolean NOT NULL,
  school_approved boolean NOT NULL,
  recorded_by uuid REFERENCES users (id),
  recorded_at timestamptz NOT NULL,
  removed_at timestamptz
);
CREATE INDEX vehicles_school ON vehicles (school_id) WHERE removed_at IS NULL;
CREATE INDEX vehicles_owner ON vehicles (school_id, owner_user_id) WHERE removed_at IS NULL;
CREATE UNIQUE INDEX vehicles_registration ON vehicles (school_id, registration) WHERE removed_at IS NULL;
