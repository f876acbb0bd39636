-- Pupils and their families (R-FAMILY-1..4, R-NOTICE-2, R-CONF-1, R-LIST-1).
-- Every table carries school_id, and every link between two records repeats it in a composite
-- foreign key (school_id, id), so a record can never point at another school's record.

CREATE TABLE pupils (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools (id),
  first_name text NOT NULL CHECK (length(trim(first_name)) > 0),
  last_name text NOT NULL CHECK (length(trim(last_name)) > 0),
  date_of_birth date NOT NULL,
  year_group text NOT NULL CHECK (length(trim(year_group)) > 0),
  upn text,
  attendance_percent numeric(5, 2) CHECK (attendance_percent BETWEEN 0 AND 100),
  attendance_as_of date,
  -- RESTRICTED (R-CONF-1): shown only to the DSL, deputy DSLs, the headteacher and associate head,
  -- and to visitors on their visit's briefing; every view is written to the audit history.
  medical_needs text NOT NULL DEFAULT '',
  send_needs text NOT NULL DEFAULT '',
  behaviour_notes text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, id),
  CHECK ((attendance_percent IS NULL) = (attendance_as_of IS NULL))
);
CREATE UNIQUE INDEX pupils_school_upn ON pupils (school_id, upper(upn)) WHERE upn IS NOT NULL;
CREATE INDEX pupils_school_name ON pupils (school_id, lower(last_name), lower(first_name));

CREATE TABLE addresses (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools (id),
  line1 text NOT NULL CHECK (length(trim(line1)) > 0),
  line2 text NOT NULL DEFAULT '',
  town text NOT NULL CHECK (length(trim(town)) > 0),
  postcode text NOT NULL CHECK (length(trim(postcode)) > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, id)
);
CREATE INDEX addresses_school_postcode ON addresses (school_id, postcode);

-- Where a pupil lives. Siblings share an address row, so a hazard recorded once shows for all of them.
CREATE TABLE pupil_addresses (
  school_id uuid NOT NULL REFERENCES schools (id),
  pupil_id uuid NOT NULL,
  address_id uuid NOT NULL,
  is_main boolean NOT NULL DEFAULT false,
  PRIMARY KEY (pupil_id, address_id),
  FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id),
  FOREIGN KEY (school_id, address_id) REFERENCES addresses (school_id, id)
);
CREATE UNIQUE INDEX pupil_addresses_one_main ON pupil_addresses (pupil_id) WHERE is_main;
CREATE INDEX pupil_addresses_address ON pupil_addresses (address_id);

-- Adults in a pupil's life. Each holds their OWN name and title: never assumed to share the
-- child's surname (R-FAMILY-1). One adult can be linked to several pupils (siblings).
CREATE TABLE contacts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools (id),
  title text NOT NULL DEFAULT '',
  first_name text NOT NULL CHECK (length(trim(first_name)) > 0),
  last_name text NOT NULL CHECK (length(trim(last_name)) > 0),
  phone text NOT NULL DEFAULT '',
  email text NOT NULL DEFAULT '',
  language text NOT NULL DEFAULT '',
  interpreter_needed boolean NOT NULL DEFAULT false,
  literacy_needs text NOT NULL DEFAULT '',
  cultural_considerations text NOT NULL DEFAULT '',
  -- R-FAMILY-3: after abusive or aggressive behaviour, no appointment with this person until the
  -- case is reviewed. Any visit planner sets it; only the DSL, a deputy DSL or the headteacher clears
  -- it, with a review note. The set/cleared columns keep the latest episode; the audit history keeps all.
  no_appointments boolean NOT NULL DEFAULT false,
  no_appointments_reason text NOT NULL DEFAULT '',
  no_appointments_set_by uuid REFERENCES users (id),
  no_appointments_set_at timestamptz,
  no_appointments_cleared_by uuid REFERENCES users (id),
  no_appointments_cleared_at timestamptz,
  no_appointments_review_note text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, id),
  CHECK (NOT no_appointments OR (length(trim(no_appointments_reason)) > 0 AND no_appointments_set_at IS NOT NULL))
);
CREATE INDEX contacts_school_name ON contacts (school_id, lower(last_name), lower(first_name));

CREATE TABLE pupil_contacts (
  school_id uuid NOT NULL REFERENCES schools (id),
  pupil_id uuid NOT NULL,
  contact_id uuid NOT NULL,
  relationship text NOT NULL CHECK (length(trim(relationship)) > 0),
  parental_responsibility boolean NOT NULL DEFAULT false,
  lives_with_pupil boolean NOT NULL DEFAULT false,
  PRIMARY KEY (pupil_id, contact_id),
  FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id),
  FOREIGN KEY (school_id, contact_id) REFERENCES contacts (school_id, id)
);
CREATE INDEX pupil_contacts_contact ON pupil_contacts (contact_id);

-- Other agencies working with the family and the lead practitioner (R-FAMILY-2).
CREATE TABLE agencies (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools (id),
  pupil_id uuid NOT NULL,
  name text NOT NULL CHECK (length(trim(name)) > 0),
  role_or_service text NOT NULL DEFAULT '',
  contact_name text NOT NULL DEFAULT '',
  phone text NOT NULL DEFAULT '',
  email text NOT NULL DEFAULT '',
  is_lead_practitioner boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, id),
  FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id)
);
CREATE INDEX agencies_pupil ON agencies (pupil_id);
CREATE UNIQUE INDEX agencies_one_lead ON agencies (pupil_id) WHERE is_lead_practitioner;

-- Known hazards at an address (R-FAMILY-4, R-RISK-1). Rows are never deleted: removing a hazard
-- sets removed_at. The visits feature re-opens an open risk assessment when a hazard at the visit's
-- address has recorded_at later than the assessment's completion (R-RISK-2): recorded_at is the
-- moment the hazard became known to Doorstep, written in the same transaction as its audit entry.
CREATE TABLE address_hazards (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools (id),
  address_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('animal', 'aggression', 'other')),
  description text NOT NULL CHECK (length(trim(description)) > 0),
  animals_will_be_shut_away boolean,
  recorded_by uuid REFERENCES users (id),
  recorded_at timestamptz NOT NULL,
  removed_at timestamptz,
  removed_by uuid REFERENCES users (id),
  UNIQUE (school_id, id),
  FOREIGN KEY (school_id, address_id) REFERENCES addresses (school_id, id),
  CHECK (kind = 'animal' OR animals_will_be_shut_away IS NULL)
);
CREATE INDEX address_hazards_address ON address_hazards (address_id, recorded_at);

-- A family's decision to decline home visits (R-NOTICE-2), shown before any new visit is planned.
-- At most one decline is in force per pupil; withdrawing keeps the row.
CREATE TABLE visit_declines (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools (id),
  pupil_id uuid NOT NULL,
  declined_on date NOT NULL,
  reason text NOT NULL CHECK (length(trim(reason)) > 0),
  recorded_by uuid REFERENCES users (id),
  recorded_at timestamptz NOT NULL,
  withdrawn_at timestamptz,
  withdrawn_by uuid REFERENCES users (id),
  UNIQUE (school_id, id),
  FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id)
);
CREATE UNIQUE INDEX visit_declines_one_active ON visit_declines (pupil_id) WHERE withdrawn_at IS NULL;
