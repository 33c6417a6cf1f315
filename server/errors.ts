// Domain errors a client can act on. Yoga's error masking (toClientError in server/app.ts) turns them into
// GraphQL errors with extensions.code; anything else is masked as an internal error.

export type ErrorCode = 'BAD_USER_INPUT' | 'NOT_FOUND' | 'CONFLICT' | 'UNAVAILABLE';

export class DomainError extends Error {
  constructor(
    message: string,
    readonly code: ErrorCode,
    /** The input field the error is about, for clients that show it next to a control. */
    readonly field?: string,
  ) {
    super(message);
  }
}

export class UserInputError extends DomainError {
  override name = 'UserInputError';
  constructor(message: string, field?: string) {
    super(message, 'BAD_USER_INPUT', field);
  }
}

export class NotFoundError extends DomainError {
  override name = 'NotFoundError';
  constructor(message: string, field?: string) {
    super(message, 'NOT_FOUND', field);
  }
}

export class UnavailableError extends DomainError {
  override name = 'UnavailableError';
  constructor(message: string) {
    super(message, 'UNAVAILABLE');
  }
}
