// API tokens: created with a role and a name, shown once, stored as the SHA-256 of the secret, revoked by id or name.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../data/db.ts';
import { countActiveTokens, findActiveToken, insertToken, listTokens, revokeTokens, touchToken, type StoredToken } from '../data/token-store.ts';
import { ROLES, type Role } from '../domain/principal.ts';
import { NotFoundError, UserInputError } from '../errors.ts';

/** Secrets start with this, so that a leaked one is recognisable (secret scanners, logs). */
const SECRET_PREFIX = 'astri_';
/** How often the "last used" date of a token is written: not on every request. */
const TOUCH_INTERVAL_MS = 60_000;

export interface ApiToken {
  id: number;
  name: string;
  role: Role;
  /** The first characters of the secret, to recognise it in a list. */
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export class TokenService {
  private readonly touched = new Map<number, number>();

  constructor(private readonly db: Db) {}

  /** Creates a token; the secret is returned here only and never stored. */
  async create(options: { role: string; name: string }): Promise<{ token: ApiToken; secret: string }> {
    const role = parseRole(options.role);
    const name = options.name.trim();
    if (!/^[\w .@-]{1,64}$/.test(name)) throw new UserInputError(`token name "${options.name}" must be 1 to 64 letters, digits, spaces or . _ @ -`, 'name');
    const secret = SECRET_PREFIX + randomBytes(32).toString('base64url');
    const stored = await insertToken(this.db, { name, role, secretSha256: hashSecret(secret), prefix: secret.slice(0, SECRET_PREFIX.length + 6) });
    return { token: toApiToken(stored), secret };
  }

  async list(): Promise<ApiToken[]> {
    return (await listTokens(this.db)).map(toApiToken);
  }

  /** Revokes the token with this id, or every active token with this name. */
  async revoke(idOrName: string): Promise<ApiToken[]> {
    const revoked = await revokeTokens(this.db, idOrName);
    if (revoked.length === 0) throw new NotFoundError(`no active token with id or name "${idOrName}" (see astri token list)`, 'token');
    return revoked.map(toApiToken);
  }

  /** The active token this secret belongs to, or null. */
  async verify(secret: string): Promise<ApiToken | null> {
    if (!secret.startsWith(SECRET_PREFIX) || secret.length > 200) return null;
    const stored = await findActiveToken(this.db, hashSecret(secret));
    if (!stored) return null;
    const now = Date.now();
    if (now - (this.touched.get(stored.id) ?? 0) > TOUCH_INTERVAL_MS) {
      this.touched.set(stored.id, now);
      // Bookkeeping only: a failed write (a busy or full disk) must not refuse the request.
      void touchToken(this.db, stored.id, new Date(now)).catch(() => undefined);
    }
    return toApiToken(stored);
  }

  async anyActive(): Promise<boolean> {
    return (await countActiveTokens(this.db)) > 0;
  }
}

export function parseRole(value: string): Role {
  if ((ROLES as readonly string[]).includes(value)) return value as Role;
  throw new UserInputError(`role "${value}" is not one of ${ROLES.join(', ')}`, 'role');
}

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function toApiToken(stored: StoredToken): ApiToken {
  return { ...stored, role: parseRole(stored.role) };
}
