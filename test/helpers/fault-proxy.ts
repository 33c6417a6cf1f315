// A loopback HTTP proxy in front of a real S3 server that injects the faults of a real network: 503
// SlowDown answers, connections reset before or in the middle of a body, slow answers, an upstream gone.
// Decisions come from a seeded generator, so a failing run can be replayed.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultSettings {
  /** Fraction of requests answered 503 SlowDown. */
  serviceUnavailable: number;
  /** Fraction of requests whose connection is reset (half before the answer, half in the middle of the body). */
  reset: number;
  /** Fraction of requests delayed by delayMs. */
  slow: number;
  delayMs: number;
  /** Keys (path suffixes) answered with this status and S3 error code. */
  failKeys: Map<string, { status: number; code: string }>;
}

export interface FaultProxy {
  endpoint: string;
  settings: FaultSettings;
  /** Requests seen, and the faults injected, by kind. */
  counts: { requests: number; gets: number; serviceUnavailable: number; reset: number; slow: number };
  /** Where requests are forwarded (change it after a restart on another port). */
  upstream: string;
  close(): Promise<void>;
}

export async function startFaultProxy(upstream: string, seed = 1, settings: Partial<FaultSettings> = {}): Promise<FaultProxy> {
  let state = seed >>> 0 || 1;
  const random = (): number => {
    // xorshift32: enough for fault decisions, and reproducible.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const proxy: FaultProxy = {
    endpoint: '',
    upstream,
    settings: { serviceUnavailable: 0, reset: 0, slow: 0, delayMs: 0, failKeys: new Map(), ...settings },
    counts: { requests: 0, gets: 0, serviceUnavailable: 0, reset: 0, slow: 0 },
    close: async () => {},
  };
  const server = http.createServer(async (request, response) => {
    proxy.counts.requests++;
    if (request.method === 'GET' && !request.url?.includes('list-type')) proxy.counts.gets++;
    const { settings: s, counts } = proxy;
    const failing = [...s.failKeys].find(([suffix]) => decodeURIComponent((request.url ?? '').split('?')[0]).endsWith(suffix));
    if (failing) {
      request.resume();
      response.writeHead(failing[1].status, { 'content-type': 'application/xml' });
      response.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${failing[1].code}</Code><Message>injected</Message></Error>`);
      return;
    }
    const roll = random();
    if (roll < s.serviceUnavailable) {
      counts.serviceUnavailable++;
      request.resume();
      response.writeHead(503, { 'content-type': 'application/xml' });
      response.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
      return;
    }
    const resetHere = roll < s.serviceUnavailable + s.reset;
    if (resetHere) counts.reset++;
    if (resetHere && random() < 0.5) {
      request.socket.destroy();
      return;
    }
    if (random() < s.slow) {
      counts.slow++;
      await new Promise((resolve) => setTimeout(resolve, s.delayMs));
    }
    const target = new URL(request.url ?? '/', proxy.upstream);
    const forward = http.request(target, { method: request.method, headers: request.headers }, (upstreamResponse) => {
      response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
      if (resetHere) {
        // Half the body, then the connection drops.
        upstreamResponse.once('data', (chunk: Buffer) => {
          response.write(chunk.subarray(0, Math.max(1, chunk.length >> 1)));
          setImmediate(() => response.socket?.destroy());
        });
        return;
      }
      upstreamResponse.pipe(response);
    });
    forward.on('error', () => response.socket?.destroy());
    request.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
