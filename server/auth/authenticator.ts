// The request's principal: from a bearer token (HTTP header, SSE, graphql-ws connectionParams), the
// configured anonymous role, or the open loopback mode when no token exists. Resolvers ask the principal;
// nobody else parses credentials.
import type { Config } from '../config.ts';
import { roleAllows, type Permission, type Principal, type Role } from '../domain/principal.ts';
import { ForbiddenError, UnauthenticatedError } from '../errors.ts';
import { JwtVerifier } from './jwt.ts';
import type { TokenService } from './tokens.ts';

const ACTIONS: Record<Permission, string> = {
  read: 'read',
  predict: 'start or cancel prediction runs',
  cancelAny: "cancel another user's run",
  manage: 'upload, activate or delete models and datasets',
};

export class Authenticator {
  private readonly jwt: JwtVerifier | null;

  constructor(
    private readonly config: Config,
    private readonly tokens: TokenService,
  ) {
    this.jwt = config.auth.jwt ? new JwtVerifier(config.auth.jwt) : null;
  }

  /**
   * The principal of a request carrying `authorization` (an "Authorization" header value, or a bare token
   * from connectionParams), or nothing.
   */
  async authenticate(authorization: string | null | undefined): Promise<Principal> {
    if (authorization) {
      const secret = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] ?? (/\s/.test(authorization.trim()) ? null : authorization.trim());
      if (!secret) return this.unauthenticated('the Authorization header must be "Bearer <token>"');
      if (this.jwt && JwtVerifier.looksLikeJwt(secret)) {
        const outcome = await this.jwt.verify(secret);
        return 'problem' in outcome ? this.unauthenticated(outcome.problem) : this.principal(outcome.role, `jwt:${outcome.subject}`);
      }
      const token = await this.tokens.verify(secret);
      if (!token) return this.unauthenticated('the API token is unknown or revoked');
      return this.principal(token.role, `token:${token.id}`);
    }
    const anonymous = this.config.auth.anonymous;
    if (this.jwt || (await this.tokens.anyActive())) {
      if (anonymous === 'none') return this.unauthenticated('this server requires an API token: send "Authorization: Bearer <token>" (graphql-ws: connectionParams {"authorization": "Bearer <token>"})');
      return this.principal(anonymous, 'anonymous');
    }
    // No token exists: open on loopback (the server refuses to bind elsewhere unless anonymous says otherwise).
    if (isLoopbackHost(this.config.server.host)) return this.principal('admin', 'local');
    if (anonymous === 'none') return this.unauthenticated('this server has no API token yet: create one with `astri token create`');
    return this.principal(anonymous, 'anonymous');
  }

  /** Throws unless the server may listen on `host`: non-loopback needs tokens or an explicit anonymous role. */
  async checkBind(host: string): Promise<void> {
    if (isLoopbackHost(host) || this.config.auth.anonymous !== 'none' || this.jwt || (await this.tokens.anyActive())) return;
    throw new OpenBindError(
      `refusing to listen on ${host}: no API token exists, so anybody who can reach the port could upload models and start runs. ` +
        'Create one (astri token create --role admin --name NAME) and restart, listen on 127.0.0.1, or set auth.anonymous ' +
        '(ASTRI_AUTH__ANONYMOUS) to reader or runner to say what anonymous users may do',
    );
  }

  private principal(role: Role, subject: string): Principal {
    return { role, subject, problem: null, limits: this.config.auth.limits[role] };
  }

  private unauthenticated(problem: string): Principal {
    return { role: null, subject: 'unauthenticated', problem, limits: { concurrentRuns: 0, eventsPerHour: 0 } };
  }
}

/** Throws UNAUTHENTICATED or FORBIDDEN unless the principal may do this. */
export function requirePermission(principal: Principal, permission: Permission): void {
  if (principal.role === null) throw new UnauthenticatedError(principal.problem ?? 'authentication required');
  if (!roleAllows(principal.role, permission)) throw new ForbiddenError(`the ${principal.role} role may not ${ACTIONS[permission]}`);
}

export function can(principal: Principal, permission: Permission): boolean {
  return principal.role !== null && roleAllows(principal.role, permission);
}

export class OpenBindError extends Error {
  override name = 'OpenBindError';
}

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare) || bare === '::ffff:127.0.0.1';
}
