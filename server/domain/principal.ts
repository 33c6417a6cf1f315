// Who is asking, and what they may do: the roles of API tokens and the principal of a request.

export type Role = 'reader' | 'runner' | 'admin';
export const ROLES: readonly Role[] = ['reader', 'runner', 'admin'];

/**
 * What a request may do. read: queries and subscriptions; predict: start runs and cancel one's own;
 * cancelAny: cancel anybody's run; manage: upload, activate and delete models and datasets.
 */
export type Permission = 'read' | 'predict' | 'cancelAny' | 'manage';

const GRANTS: Record<Role, ReadonlySet<Permission>> = {
  reader: new Set(['read']),
  runner: new Set(['read', 'predict']),
  admin: new Set(['read', 'predict', 'cancelAny', 'manage']),
};

export function roleAllows(role: Role, permission: Permission): boolean {
  return GRANTS[role].has(permission);
}

/** Per-principal limits on runs; 0 means unlimited. */
export interface RunLimits {
  concurrentRuns: number;
  eventsPerHour: number;
}

export interface Principal {
  /** null: not authenticated (no token where one is required, or a token that is unknown or revoked). */
  role: Role | null;
  /** Stable id of who is asking, the owner of the runs they start: "token:3", "jwt:alice", "anonymous", "local". */
  subject: string;
  /** Why the request is not authenticated, when role is null: what to send instead. */
  problem: string | null;
  limits: RunLimits;
}
