// JSON over HTTP without client-side timeouts (the baseline can take minutes to answer one request).
import http from 'node:http';

export class BenchHttpError extends Error {
  override name = 'BenchHttpError';
}

// A new connection per request: a kept-alive socket that sat idle through a long run can be closed by the
// server (its keepAliveTimeout) just as the next request goes out ("socket hang up").
const agent = new http.Agent({ keepAlive: false });

export function postJson(url: string, body: unknown): Promise<unknown> {
  return request(url, 'POST', JSON.stringify(body));
}

export function getStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'GET', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

function request(url: string, method: string, payload: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, agent, headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) >= 400 && !text.startsWith('{')) {
            reject(new BenchHttpError(`${method} ${url} answered ${res.statusCode}: ${text.slice(0, 500)}`));
            return;
          }
          try {
            resolve(JSON.parse(text));
          } catch {
            reject(new BenchHttpError(`${method} ${url} answered ${res.statusCode} with non-JSON: ${text.slice(0, 500)}`));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', (error) => reject(new BenchHttpError(`${method} ${url}: ${error.message}`)));
    req.end(payload);
  });
}
