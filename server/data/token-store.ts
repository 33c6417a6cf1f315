// Where API tokens are stored: only the SHA-256 of each secret, its role, name and dates.
import type { Db } from './db.ts';

export interface StoredToken {
  id: number;
  name: string;
  role: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const PUBLIC_FIELDS = { id: true, name: true, role: true, prefix: true, createdAt: true, lastUsedAt: true, revokedAt: true } as const;

export function insertToken(db: Db, token: { name: string; role: string; secretSha256: string; prefix: string }): Promise<StoredToken> {
  return db.apiToken.create({ data: token, select: PUBLIC_FIELDS });
}

export function listTokens(db: Db): Promise<StoredToken[]> {
  return db.apiToken.findMany({ select: PUBLIC_FIELDS, orderBy: { id: 'asc' } });
}

/** The active (not revoked) token with this secret hash, if any. */
export function findActiveToken(db: Db, secretSha256: string): Promise<StoredToken | null> {
  return db.apiToken.findFirst({ where: { secretSha256, revokedAt: null }, select: PUBLIC_FIELDS });
}

export async function countActiveTokens(db: Db): Promise<number> {
  return db.apiToken.count({ where: { revokedAt: null } });
}

/** Revokes the active tokens with this id or name; returns those revoked. */
export async function revokeTokens(db: Db, idOrName: string): Promise<StoredToken[]> {
  const id = /^\d+$/.test(idOrName) ? Number(idOrName) : null;
  const where = { revokedAt: null, OR: [{ name: idOrName }, ...(id !== null ? [{ id }] : [])] };
  const found = await db.apiToken.findMany({ where, select: PUBLIC_FIELDS });
  if (found.length === 0) return [];
  const revokedAt = new Date();
  await db.apiToken.updateMany({ where: { id: { in: found.map((token) => token.id) } }, data: { revokedAt } });
  return found.map((token) => ({ ...token, revokedAt }));
}

export async function touchToken(db: Db, id: number, at: Date): Promise<void> {
  await db.apiToken.update({ where: { id }, data: { lastUsedAt: at } });
}
