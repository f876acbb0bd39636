import type { Db } from '../../db/pool.ts'
import type { AgreementStatus, ReviewOutcome } from '../../domain/agreements.ts'

/** Agreements, their reviews and reminder letters (R-AGREE-1). Every query is scoped by school. */

export type AgreementAdult = { contactId: string; title: string; firstName: string; lastName: string; name: string; relationship: string | null; livesWithPupil: boolean }

export type Agreement = {
  id: string
  schoolId: string
  pupilId: string
  pupilName: string
  visitId: string | null
  text: string
  agreedOn: string
  reviewOn: string
  status: AgreementStatus
  followUpVisitId: string | null
  createdByName: string
  createdAt: Date
  adults: AgreementAdult[]
}

export type Review = {
  id: string
  agreementId: string
  outcome: ReviewOutcome
  note: string
  reviewOn: string
  nextReviewOn: string | null
  reviewedAt: Date
  reviewedByName: string
}

export type Letter = {
  id: string
  agreementId: string
  reviewId: string
  contactId: string
  pupilId: string
  pupilName: string
  addressedTo: string
  postalAddress: string
  producedAt: Date
  producedByName: string
  postedAt: Date | null
  postedByName: string | null
}

const agreementColumns = `a.id, a.school_id AS "schoolId", a.pupil_id AS "pupilId", p.first_name || ' ' || p.last_name AS "pupilName",
  a.visit_id AS "visitId", a.text, a.agreed_on AS "agreedOn", a.review_on AS "reviewOn", a.status, a.follow_up_visit_id AS "followUpVisitId",
  a.created_by_name AS "createdByName", a.created_at AS "createdAt",
  coalesce((SELECT json_agg(json_build_object('contactId', c.id, 'title', c.title, 'firstName', c.first_name, 'lastName', c.last_name,
                'name', trim(both ' ' from c.title || ' ' || c.first_name || ' ' || c.last_name), 'relationship', pc.relationship,
                'livesWithPupil', coalesce(pc.lives_with_pupil, false)) ORDER BY c.last_name, c.first_name)
              FROM agreement_adults aa JOIN contacts c ON c.id = aa.contact_id
              LEFT JOIN pupil_contacts pc ON pc.contact_id = c.id AND pc.pupil_id = a.pupil_id
             WHERE aa.agreement_id = a.id), '[]') AS adults`

const fromAgreements = `FROM agreements a JOIN pupils p ON p.id = a.pupil_id`

export async function findAgreement(db: Db, schoolId: string, agreementId: string, lock = false): Promise<Agreement | undefined> {
  if (lock) await db.query('SELECT 1 FROM agreements WHERE school_id = $1 AND id = $2 FOR UPDATE', [schoolId, agreementId])
  const { rows } = await db.query<Agreement>(`SELECT ${agreementColumns} ${fromAgreements} WHERE a.school_id = $1 AND a.id = $2`, [schoolId, agreementId])
  return rows[0]
}

export async function agreementsOfPupil(db: Db, schoolId: string, pupilId: string): Promise<Agreement[]> {
  const { rows } = await db.query<Agreement>(`SELECT ${agreementColumns} ${fromAgreements} WHERE a.school_id = $1 AND a.pupil_id = $2 ORDER BY a.agreed_on DESC, a.created_at DESC`, [schoolId, pupilId])
  return rows
}

export async function agreementsOfVisit(db: Db, schoolId: string, visitId: string): Promise<Agreement[]> {
  const { rows } = await db.query<Agreement>(`SELECT ${agreementColumns} ${fromAgreements} WHERE a.school_id = $1 AND a.visit_id = $2 ORDER BY a.created_at`, [schoolId, visitId])
  return rows
}

/** Open agreements whose review date is on or before `today`: the reviews that are due. */
export async function reviewsDue(db: Db, schoolId: string, today: string): Promise<Agreement[]> {
  const { rows } = await db.query<Agreement>(`SELECT ${agreementColumns} ${fromAgreements} WHERE a.school_id = $1 AND a.status = 'open' AND a.review_on <= $2 ORDER BY a.review_on, a.id`, [schoolId, today])
  return rows
}

/** Agreements whose latest review found them not kept and whose letters are not produced yet. */
export async function awaitingLetters(db: Db, schoolId: string): Promise<Array<Agreement & { reviewId: string }>> {
  const { rows } = await db.query<Agreement & { reviewId: string }>(
    `SELECT ${agreementColumns}, r.id AS "reviewId" ${fromAgreements}
       JOIN LATERAL (SELECT id, outcome FROM agreement_reviews WHERE agreement_id = a.id ORDER BY reviewed_at DESC, id DESC LIMIT 1) r ON true
      WHERE a.school_id = $1 AND r.outcome = 'not_kept' AND NOT EXISTS (SELECT 1 FROM letters l WHERE l.review_id = r.id)
      ORDER BY a.review_on, a.id`,
    [schoolId],
  )
  return rows
}

export async function insertAgreement(
  db: Db,
  row: { schoolId: string; pupilId: string; visitId: string | null; text: string; agreedOn: string; reviewOn: string; createdBy: string | null; createdByName: string },
  now: Date,
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO agreements (school_id, pupil_id, visit_id, text, agreed_on, review_on, created_by, created_by_name, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
    [row.schoolId, row.pupilId, row.visitId, row.text, row.agreedOn, row.reviewOn, row.createdBy, row.createdByName, now],
  )
  return rows[0]!.id
}

export async function insertAgreementAdults(db: Db, schoolId: string, agreementId: string, contactIds: readonly string[]): Promise<void> {
  for (const contactId of new Set(contactIds)) {
    await db.query('INSERT INTO agreement_adults (school_id, agreement_id, contact_id) VALUES ($1, $2, $3)', [schoolId, agreementId, contactId])
  }
}

export async function updateAgreement(db: Db, schoolId: string, agreementId: string, change: { status?: AgreementStatus; reviewOn?: string; followUpVisitId?: string }, now: Date): Promise<void> {
  await db.query(
    `UPDATE agreements SET status = coalesce($3, status), review_on = coalesce($4::date, review_on), follow_up_visit_id = coalesce($5, follow_up_visit_id), updated_at = $6
      WHERE school_id = $1 AND id = $2`,
    [schoolId, agreementId, change.status ?? null, change.reviewOn ?? null, change.followUpVisitId ?? null, now],
  )
}

const reviewColumns = `id, agreement_id AS "agreementId", outcome, note, review_on AS "reviewOn", next_review_on AS "nextReviewOn", reviewed_at AS "reviewedAt", reviewed_by_name AS "reviewedByName"`

export async function reviewsOf(db: Db, schoolId: string, agreementId: string): Promise<Review[]> {
  const { rows } = await db.query<Review>(`SELECT ${reviewColumns} FROM agreement_reviews WHERE school_id = $1 AND agreement_id = $2 ORDER BY reviewed_at, id`, [schoolId, agreementId])
  return rows
}

export async function reviewsOfPupil(db: Db, schoolId: string, pupilId: string): Promise<Array<Review & { text: string }>> {
  const { rows } = await db.query<Review & { text: string }>(
    `SELECT r.id, r.agreement_id AS "agreementId", r.outcome, r.note, r.review_on AS "reviewOn", r.next_review_on AS "nextReviewOn",
            r.reviewed_at AS "reviewedAt", r.reviewed_by_name AS "reviewedByName", a.text FROM agreement_reviews r JOIN agreements a ON a.id = r.agreement_id
      WHERE r.school_id = $1 AND a.pupil_id = $2 ORDER BY r.reviewed_at`,
    [schoolId, pupilId],
  )
  return rows
}

export async function insertReview(
  db: Db,
  row: { schoolId: string; agreementId: string; outcome: ReviewOutcome; note: string; reviewOn: string; nextReviewOn: string | null; reviewedBy: string | null; reviewedByName: string },
  now: Date,
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO agreement_reviews (school_id, agreement_id, outcome, note, review_on, next_review_on, reviewed_at, reviewed_by, reviewed_by_name)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
    [row.schoolId, row.agreementId, row.outcome, row.note, row.reviewOn, row.nextReviewOn, now, row.reviewedBy, row.reviewedByName],
  )
  return rows[0]!.id
}

const letterColumns = `l.id, l.agreement_id AS "agreementId", l.review_id AS "reviewId", l.contact_id AS "contactId", a.pupil_id AS "pupilId",
  p.first_name || ' ' || p.last_name AS "pupilName", l.addressed_to AS "addressedTo", l.postal_address AS "postalAddress",
  l.produced_at AS "producedAt", l.produced_by_name AS "producedByName", l.posted_at AS "postedAt", l.posted_by_name AS "postedByName"`
const fromLetters = `FROM letters l JOIN agreements a ON a.id = l.agreement_id JOIN pupils p ON p.id = a.pupil_id`

export async function lettersOf(db: Db, schoolId: string, agreementId: string): Promise<Letter[]> {
  const { rows } = await db.query<Letter>(`SELECT ${letterColumns} ${fromLetters} WHERE l.school_id = $1 AND l.agreement_id = $2 ORDER BY l.produced_at, l.addressed_to`, [schoolId, agreementId])
  return rows
}

export async function lettersOfPupil(db: Db, schoolId: string, pupilId: string): Promise<Letter[]> {
  const { rows } = await db.query<Letter>(`SELECT ${letterColumns} ${fromLetters} WHERE l.school_id = $1 AND a.pupil_id = $2 ORDER BY l.produced_at, l.addressed_to`, [schoolId, pupilId])
  return rows
}

export async function lettersOfSchool(db: Db, schoolId: string, filter: { toPost: boolean }): Promise<Letter[]> {
  const { rows } = await db.query<Letter>(
    `SELECT ${letterColumns} ${fromLetters} WHERE l.school_id = $1 ${filter.toPost ? 'AND l.posted_at IS NULL' : ''} ORDER BY l.posted_at DESC NULLS FIRST, l.produced_at, l.addressed_to LIMIT 500`,
    [schoolId],
  )
  return rows
}

export async function findLetter(db: Db, schoolId: string, letterId: string, lock = false): Promise<Letter | undefined> {
  if (lock) await db.query('SELECT 1 FROM letters WHERE school_id = $1 AND id = $2 FOR UPDATE', [schoolId, letterId])
  const { rows } = await db.query<Letter>(`SELECT ${letterColumns} ${fromLetters} WHERE l.school_id = $1 AND l.id = $2`, [schoolId, letterId])
  return rows[0]
}

export async function letterPdf(db: Db, schoolId: string, letterId: string): Promise<Buffer | undefined> {
  const { rows } = await db.query<{ pdf: Buffer }>('SELECT pdf FROM letters WHERE school_id = $1 AND id = $2', [schoolId, letterId])
  return rows[0]?.pdf
}

export async function insertLetter(
  db: Db,
  row: { schoolId: string; agreementId: string; reviewId: string; contactId: string; addressedTo: string; postalAddress: string; body: string; pdf: Buffer; producedBy: string | null; producedByName: string },
  now: Date,
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO letters (school_id, agreement_id, review_id, contact_id, addressed_to, postal_address, body, pdf, produced_at, produced_by, produced_by_name)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
    [row.schoolId, row.agreementId, row.reviewId, row.contactId, row.addressedTo, row.postalAddress, row.body, row.pdf, now, row.producedBy, row.producedByName],
  )
  return rows[0]!.id
}

export async function markLetterPosted(db: Db, schoolId: string, letterId: string, by: { userId: string | null; name: string }, now: Date): Promise<void> {
  await db.query('UPDATE letters SET posted_at = $3, posted_by = $4, posted_by_name = $5 WHERE school_id = $1 AND id = $2', [schoolId, letterId, now, by.userId, by.name])
}

export async function letterTemplate(db: Db, schoolId: string): Promise<{ body: string; updatedAt: Date; updatedByName: string } | undefined> {
  const { rows } = await db.query<{ body: string; updatedAt: Date; updatedByName: string }>(
    'SELECT body, updated_at AS "updatedAt", updated_by_name AS "updatedByName" FROM letter_templates WHERE school_id = $1',
    [schoolId],
  )
  return rows[0]
}

export async function saveLetterTemplate(db: Db, schoolId: string, body: string, by: { userId: string | null; name: string }, now: Date): Promise<void> {
  await db.query(
    `INSERT INTO letter_templates (school_id, body, updated_at, updated_by, updated_by_name) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (school_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at, updated_by = excluded.updated_by, updated_by_name = excluded.updated_by_name`,
    [schoolId, body, now, by.userId, by.name],
  )
}
