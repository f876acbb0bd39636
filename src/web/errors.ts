/**
 * Errors a user can cause. The one error handler in src/web/error-handler.ts turns each into
 * a GOV.UK error page or, under /api, RFC 9457 problem details. Messages are shown to users.
 */
export class HttpError extends Error {
  readonly status: number
  readonly title: string

  constructor(status: number, title: string, message: string) {
    super(message)
    this.name = new.target.name
    this.status = status
    this.title = title
  }
}

export class NotFoundError extends HttpError {
  constructor(message = 'The page or record you asked for does not exist, or you do not have access to it.') {
    super(404, 'Page not found', message)
  }
}

export class ForbiddenError extends HttpError {
  constructor(message = 'You do not have permission to do this.') {
    super(403, 'You do not have permission to see this page', message)
  }
}

export class UnauthorisedError extends HttpError {
  constructor(message = 'Sign in to continue.') {
    super(401, 'Sign in to continue', message)
  }
}

export class ConflictError extends HttpError {
  constructor(message: string) {
    super(409, 'This cannot be done now', message)
  }
}

export type FieldError = { field: string; message: string }

/** Input that breaks a rule. `fieldErrors` lets a form link each message to its field. */
export class ValidationError extends HttpError {
  readonly fieldErrors: FieldError[]

  constructor(fieldErrors: FieldError[], message = fieldErrors.map((e) => e.message).join(' ')) {
    super(400, 'There is a problem', message)
    this.fieldErrors = fieldErrors
  }
}
