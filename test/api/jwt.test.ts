// Single sign-on: bearer JWTs checked against the issuer's JWKS (served here by a local HTTP server, as an OIDC
// provider publishes it), over HTTP and graphql-ws; the role from a claim.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const ISSUER = 'https://sso.example.org/realms/astri';

function jwt(privateKey: KeyObject, claims: Record<string, unknown>, kid = 'k1'): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'RS256', typ: 'JWT', kid })}.${part(claims)}`;
  return `${unsigned}.${sign('sha256', Buffer.from(unsigned), privateKey).toString('base64url')}`;
}

describe('OIDC bearer JWTs', () => {
  let server: TestServer;
  let jwks: Server;
  const issuerKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const now = () => Math.floor(Date.now() / 1000);
  const claims = (extra: Record<string, unknown> = {}) => ({ iss: ISSUER, aud: 'astri', sub: 'alice', exp: now() + 600, astri_role: 'runner', ...extra });

  const post = async (query: string, token?: string) => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query }),
    });
    return (await response.json()) as { data?: Record<string, unknown>; errors?: Array<{ message: string; extensions: { code: string } }> };
  };

  beforeAll(async () => {
    jwks = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys: [{ ...issuerKey.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' }] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/certs`;
    server = await startTestServer({ auth: { jwt: { issuer: ISSUER, audience: 'astri', jwksUrl, roleClaim: 'astri_role', defaultRole: 'none' } } });
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
    jwks?.close();
  });

  it('requires a token once single sign-on is configured, even on loopback', async () => {
    expect((await post('{ models { id } }')).errors![0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it("accepts a valid JWT with the role of its claim, and holds it to that role", async () => {
    const runner = jwt(issuerKey.privateKey, claims());
    expect((await post('mutation { predict(input: { energyBin: 0, eventsPerClass: 4 }) { id } }', runner)).errors).toBeUndefined();
    expect((await post('mutation { activateModel(id: 1) { id } }', runner)).errors![0].extensions.code).toBe('FORBIDDEN');
    const reader = jwt(issuerKey.privateKey, claims({ astri_role: ['reader'] }));
    expect((await post('mutation { predict(input: { energyBin: 0, eventsPerClass: 4 }) { id } }', reader)).errors![0].extensions.code).toBe('FORBIDDEN');
    const admin = jwt(issuerKey.privateKey, claims({ astri_role: ['reader', 'admin'] }));
    expect((await post('mutation { activateModel(id: 1) { id } }', admin)).errors).toBeUndefined();
  });

  it('refuses a forged, expired, foreign or role-less JWT with UNAUTHENTICATED and the reason', async () => {
    const cases: Array<[string, string]> = [
      [jwt(otherKey.privateKey, claims()), 'the JWT signature is not valid'],
      [jwt(issuerKey.privateKey, claims({ exp: now() - 3600 })), 'the JWT has expired'],
      [jwt(issuerKey.privateKey, claims({ iss: 'https://elsewhere.example' })), `the JWT was issued by "https://elsewhere.example", not by ${ISSUER}`],
      [jwt(issuerKey.privateKey, claims({ aud: 'another-service' })), 'the JWT is not meant for astri (aud)'],
      [jwt(issuerKey.privateKey, claims({ astri_role: 'superuser' })), 'the JWT grants no role: its claim "astri_role" names none of reader, runner, admin'],
      [jwt(issuerKey.privateKey, claims(), 'unknown-key'), 'the JWT is signed with a key the issuer does not publish'],
    ];
    for (const [token, message] of cases) {
      const body = await post('{ models { id } }', token);
      expect(body.errors![0]).toMatchObject({ message, extensions: { code: 'UNAUTHENTICATED' } });
    }
  });

  it('takes the JWT in graphql-ws connectionParams', async () => {
    const token = jwt(issuerKey.privateKey, claims({ astri_role: 'reader' }));
    const client = createClient({ url: `${server.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0, connectionParams: { authorization: `Bearer ${token}` } });
    try {
      const result = await new Promise<unknown>((resolve, reject) => {
        client.subscribe({ query: '{ models { id } }' }, { next: resolve, error: reject, complete: () => undefined });
      });
      expect((result as { data: { models: unknown[] } }).data.models.length).toBeGreaterThan(0);
    } finally {
      await client.dispose();
    }
  });
});
