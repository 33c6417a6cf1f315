// Bearer JWTs from a site's single sign-on (OIDC): the signature checked against the issuer's JWKS (RS256, ES256),
// then the issuer, audience and validity; the role comes from a claim.
import { createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { ROLES, type Role } from '../domain/principal.ts';

export interface JwtSettings {
  /** The `iss` every token must carry. */
  issuer: string;
  /** An `aud` the token must name, if set. */
  audience?: string;
  /** Where the issuer publishes its signing keys (the `jwks_uri` of its OIDC discovery document). */
  jwksUrl: string;
  /** The claim holding the role (a string, or a list: the highest known role counts). */
  roleClaim: string;
  /** The role of a valid token without a known role in the claim; none refuses it. */
  defaultRole: Role | 'none';
}

export type JwtOutcome = { subject: string; role: Role } | { problem: string };

/** Keys are fetched again after this long, or at once (at most every 30 s) for an unknown key id. */
const KEYS_MAX_AGE_MS = 10 * 60_000;
const REFETCH_UNKNOWN_KID_MS = 30_000;
/** Clock difference tolerated on exp and nbf. */
const SKEW_SECONDS = 30;

interface Jwk extends JsonWebKey {
  kid?: string;
  use?: string;
}

export class JwtVerifier {
  private keys: Map<string, KeyObject> | null = null;
  private fetchedAt = 0;
  private fetching: Promise<void> | null = null;

  constructor(
    private readonly settings: JwtSettings,
    private readonly fetchJson: (url: string) => Promise<unknown> = async (url) => (await fetch(url, { signal: AbortSignal.timeout(10_000) })).json(),
  ) {}

  /** Whether a bearer secret is a JWT at all (three base64url parts), rather than an API token. */
  static looksLikeJwt(secret: string): boolean {
    return /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/.test(secret);
  }

  async verify(token: string, nowSeconds = Date.now() / 1000): Promise<JwtOutcome> {
    const [headerPart, payloadPart, signaturePart] = token.split('.');
    let header: { alg?: unknown; kid?: unknown };
    let claims: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as typeof header;
      claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      return { problem: 'the bearer token is not a readable JWT' };
    }
    if (header.alg !== 'RS256' && header.alg !== 'ES256') return { problem: `JWT algorithm ${String(header.alg)} is not accepted (RS256 or ES256)` };
    const key = await this.key(typeof header.kid === 'string' ? header.kid : '');
    if (!key) return { problem: 'the JWT is signed with a key the issuer does not publish' };
    const data = Buffer.from(`${headerPart}.${payloadPart}`);
    const signature = Buffer.from(signaturePart, 'base64url');
    const valid = header.alg === 'RS256' ? verify('sha256', data, key, signature) : verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
    if (!valid) return { problem: 'the JWT signature is not valid' };
    if (claims.iss !== this.settings.issuer) return { problem: `the JWT was issued by ${JSON.stringify(claims.iss)}, not by ${this.settings.issuer}` };
    if (this.settings.audience !== undefined) {
      const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      if (!audiences.includes(this.settings.audience)) return { problem: `the JWT is not meant for ${this.settings.audience} (aud)` };
    }
    if (typeof claims.exp !== 'number' || claims.exp + SKEW_SECONDS < nowSeconds) return { problem: 'the JWT has expired' };
    if (typeof claims.nbf === 'number' && claims.nbf - SKEW_SECONDS > nowSeconds) return { problem: 'the JWT is not valid yet (nbf)' };
    if (typeof claims.sub !== 'string' || claims.sub === '') return { problem: 'the JWT has no subject (sub)' };
    const role = roleFrom(claims[this.settings.roleClaim]) ?? (this.settings.defaultRole === 'none' ? null : this.settings.defaultRole);
    if (!role) return { problem: `the JWT grants no role: its claim "${this.settings.roleClaim}" names none of ${ROLES.join(', ')}` };
    return { subject: claims.sub, role };
  }

  private async key(kid: string): Promise<KeyObject | null> {
    const stale = Date.now() - this.fetchedAt > KEYS_MAX_AGE_MS;
    if (!this.keys || stale || (!this.keys.has(kid) && Date.now() - this.fetchedAt > REFETCH_UNKNOWN_KID_MS)) {
      this.fetching ??= this.fetchKeys().finally(() => (this.fetching = null));
      await this.fetching.catch(() => undefined);
    }
    if (!this.keys) return null;
    return this.keys.get(kid) ?? (kid === '' && this.keys.size === 1 ? [...this.keys.values()][0] : null);
  }

  private async fetchKeys(): Promise<void> {
    const body = (await this.fetchJson(this.settings.jwksUrl)) as { keys?: Jwk[] };
    const keys = new Map<string, KeyObject>();
    for (const jwk of body.keys ?? []) {
      if (jwk.use !== undefined && jwk.use !== 'sig') continue;
      try {
        keys.set(jwk.kid ?? '', createPublicKey({ key: jwk, format: 'jwk' }));
      } catch {
        // A key of a kind this server cannot use (another curve, a symmetric key): skipped.
      }
    }
    this.keys = keys;
    this.fetchedAt = Date.now();
  }
}

function roleFrom(claim: unknown): Role | null {
  const values = (Array.isArray(claim) ? claim : [claim]).filter((value): value is string => typeof value === 'string');
  let best: Role | null = null;
  for (const value of values) if ((ROLES as readonly string[]).includes(value) && (best === null || ROLES.indexOf(value as Role) > ROLES.indexOf(best))) best = value as Role;
  return best;
}
