-- The police information sheet (R-ESC-3): what the school holds to describe its visitors to the police
-- and to say where to call it back. Both optional; the sheet says "no description held" or leaves the
-- school's number out when they are not.

-- A physical description of a member of staff (height, build, hair, glasses, what they usually wear),
-- written by the person or the office for the police sheet. One per person and school, like staff_dbs:
-- a person working in two schools has a description in each. Earlier text is kept in the audit history.
CREATE TABLE staff_descriptions (
  school_id uuid NOT NULL REFERENCES schools (id),
  user_id uuid NOT NULL REFERENCES users (id),
  description text NOT NULL CHECK (length(trim(description)) > 0 AND length(description) <= 500),
  updated_by uuid REFERENCES users (id),
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (school_id, user_id)
);

-- The school's own phone number and postal address, printed at the top of the sheet.
ALTER TABLE schools
  ADD COLUMN phone text CHECK (phone IS NULL OR length(trim(phone)) BETWEEN 1 AND 40),
  ADD COLUMN address text CHECK (address IS NULL OR length(trim(address)) BETWEEN 1 AND 300);
