// Why an object store could not be used, in the terms of whoever configured or named it: the endpoint,
// the bucket, the object, never a stack. `transient` errors were retried before they surfaced.
import { DomainError } from '../errors.ts';

export type ObjectStoreProblem = 'unreachable' | 'credentials' | 'denied' | 'no-bucket' | 'no-object' | 'refused';

export class ObjectStoreError extends DomainError {
  override name = 'ObjectStoreError';
  constructor(
    message: string,
    readonly problem: ObjectStoreProblem,
    field?: string,
  ) {
    // What the user named (a bucket, an object, credentials) is theirs to fix; an unreachable store is not.
    super(message, problem === 'unreachable' ? 'UNAVAILABLE' : 'BAD_USER_INPUT', field);
  }
}
