// Domain errors a client can act on. Yoga's error masking (toClientError in server/app.ts) turns them into
// GraphQL errors with extensions.code; anything else is masked as an internal error.

export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'UNAVAILABLE'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'SERVER_BUSY'
  | 'INSUFFICIENT_STORAGE';

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

/** No credentials where they are required, or credentials the server does not know (unknown or revoked token). */
export class UnauthenticatedError extends DomainError {
  override name = 'UnauthenticatedError';
  constructor(message: string) {
    super(message, 'UNAUTHENTICATED');
  }
}

/** Authenticated, but the role does not allow this. */
export class ForbiddenError extends DomainError {
  override name = 'ForbiddenError';
  constructor(message: string) {
    super(message, 'FORBIDDEN');
  }
}

/** Refused for now, worth retrying after `retryAfterSeconds`: a per-token limit (RATE_LIMITED) or a full queue (SERVER_BUSY). */
export class RetryLaterError extends DomainError {
  override name = 'RetryLaterError';
  constructor(
    message: string,
    code: 'RATE_LIMITED' | 'SERVER_BUSY',
    readonly retryAfterSeconds: number,
  ) {
    super(message, code);
  }
}

/** The disk is full (or over quota): nothing was written, what is stored is intact. */
export class InsufficientStorageError extends DomainError {
  override name = 'InsufficientStorageError';
  constructor(message: string) {
    super(message, 'INSUFFICIENT_STORAGE');
  }
}

/**
 * A write that failed because storage is full: no space (ENOSPC), over quota (EDQUOT), over the file size limit
 * (EFBIG), or SQLite's "database or disk is full".
 */
export function isDiskFullError(error: unknown): boolean {
  for (let cause: unknown = error, depth = 0; cause && depth < 5; cause = (cause as { cause?: unknown }).cause, depth++) {
    const code = (cause as { code?: unknown }).code;
    if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG' || code === 'SQLITE_FULL') return true;
    const message = cause instanceof Error ? cause.message : '';
    if (/database or disk is full|SQLITE_FULL|no space left on device|file too large/i.test(message)) return true;
  }
  return false;
}
