// The client image's nginx, run for real outside Docker: the site template rendered the way the nginx
// image's entrypoint renders it (15-astri-upstream.envsh sourced, then envsubst over ASTRI_* only), in
// front of stand-in API replicas. Only the paths tied to the image are moved into a temp folder: the listen
// socket, the web root, the pid and temp files. The replicas are given as IP addresses, which get no `resolve`:
// that parameter needs nginx 1.27.3 (the image has 1.28), Debian's nginx here is older.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { PROJECT_ROOT } from '../../server/config.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

const NGINX_DIR = path.join(PROJECT_ROOT, 'docker', 'nginx');
// Debian puts nginx in /usr/sbin, which a non-root user's PATH often lacks.
const NGINX = [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/sbin'].map((dir) => path.join(dir, 'nginx')).find((file) => existsSync(file)) ?? 'nginx';
const ENVSH = path.join(NGINX_DIR, '15-astri-upstream.envsh');
const TEMPLATE = path.join(NGINX_DIR, 'default.conf.template');

/** Renders the template as the image's entrypoint does; returns the site config or the script's refusal. */
function renderSite(env: Record<string, string>): { code: number | null; config: string; stderr: string } {
  const script = [
    'set -e',
    '. "$1"',
    // 20-envsubst-on-templates.sh with NGINX_ENVSUBST_FILTER=^ASTRI_: only defined ASTRI_* variables.
    `vars=$(awk 'END { for (name in ENVIRON) if (name ~ /^ASTRI_/) printf "\${%s} ", name }' </dev/null)`,
    'envsubst "$vars" < "$2"',
  ].join('\n');
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('ASTRI_')));
  const result = spawnSync('sh', ['-c', script, 'render', ENVSH, TEMPLATE], { env: { ...clean, ...env }, encoding: 'utf8' });
  if (result.error) throw result.error;
  return { code: result.status, config: result.stdout, stderr: result.stderr };
}

function replaceOnce(text: string, search: string, replacement: string): string {
  expect(text.split(search).length - 1, `"${search}" once in the nginx config`).toBe(1);
  return text.replace(search, replacement);
}

interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

describe('the client image nginx', () => {
  let dir: string;
  let socketPath: string;
  // Two API replicas, as in the compose cluster profile, and a third that is down.
  const replicas: Server[] = [];
  let nginx: ChildProcess | undefined;
  let releaseStream: () => void = () => {};
  const seen: Array<{ replica: number; url: string; headers: IncomingMessage['headers'] }> = [];

  function send(method: string, url: string, body?: string, headers: Record<string, string> = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath, method, path: url, headers: { host: 'astri.example.org:8080', ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  beforeAll(async () => {
    const which = spawnSync(NGINX, ['-v'], { encoding: 'utf8' });
    if (which.error) throw new Error('nginx is not installed: apt-get install nginx (see .ci/run)');

    // The stand-in replicas: GraphQL over HTTP and SSE, graphql-ws, images and the probes.
    const standIn = (replica: number) => {
      const upstream = createServer((req, res) => {
        seen.push({ replica, url: req.url ?? '', headers: req.headers });
        if (req.url === '/healthz') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
        if (req.url === '/readyz') return res.writeHead(503, { 'content-type': 'application/json' }).end('{"status":"loading model"}');
        if (req.url === '/images/7.png') return res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from([137, 80, 78, 71, 1, 2, 3]));
        if (req.url?.startsWith('/graphql') && req.headers.accept === 'text/event-stream') {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          res.write('event: next\ndata: {"batch":1}\n\n');
          // The stream stays open until the test has seen the first event through nginx.
          releaseStream = () => res.end('event: complete\ndata:\n\n');
          return;
        }
        if (req.url === '/graphql' && req.method === 'POST') {
          let body = '';
          req.on('data', (chunk) => (body += chunk));
          req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { echo: body } })));
          return;
        }
        res.writeHead(404).end();
      });
      const wss = new WebSocketServer({ server: upstream, path: '/graphql', handleProtocols: (protocols) => (protocols.has('graphql-transport-ws') ? 'graphql-transport-ws' : false) });
      wss.on('connection', (socket, req) => {
        seen.push({ replica, url: `websocket ${req.url ?? ''}`, headers: req.headers });
        socket.on('message', (data) => socket.send(`echo ${String(data)}`));
      });
      return upstream;
    };
    const ports: number[] = [];
    for (const replica of [0, 1, 2]) {
      const upstream = standIn(replica);
      await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
      ports.push((upstream.address() as AddressInfo).port);
      if (replica < 2) replicas.push(upstream);
      else await new Promise((resolve) => upstream.close(resolve));
    }

    dir = temporaryDir('astri-nginx-');
    // Worker processes run as nobody when the test runs as root: let them read the web root.
    chmodSync(dir, 0o755);
    socketPath = path.join(dir, 'nginx.sock');
    mkdirSync(path.join(dir, 'conf.d'));
    mkdirSync(path.join(dir, 'html', 'assets'), { recursive: true });
    writeFileSync(path.join(dir, 'html', 'index.html'), '<!doctype html><title>ASTRI</title><script type="module" src="/assets/index-abc123.js"></script>');
    writeFileSync(path.join(dir, 'html', 'assets', 'index-abc123.js'), 'console.log("astri")');

    const site = renderSite({ ASTRI_SERVER_URL: ports.map((port) => `http://127.0.0.1:${port}/`).join(', ') });
    expect(site.code, site.stderr).toBe(0);
    let config = replaceOnce(site.config, 'listen 8080;', `listen unix:${socketPath};`);
    config = replaceOnce(config, 'root /usr/share/nginx/html;', `root ${path.join(dir, 'html')};`);
    writeFileSync(path.join(dir, 'conf.d', 'default.conf'), config);

    let main = readFileSync(path.join(NGINX_DIR, 'nginx.conf'), 'utf8');
    main = replaceOnce(main, 'pid /tmp/nginx.pid;', `pid ${path.join(dir, 'nginx.pid')};`);
    main = replaceOnce(main, 'include /etc/nginx/conf.d/*.conf;', `include ${path.join(dir, 'conf.d')}/*.conf;`);
    main = main.replaceAll('/tmp/nginx-', `${dir}/nginx-`);
    writeFileSync(path.join(dir, 'nginx.conf'), main);

    const errorLog = path.join(dir, 'error.log');
    const check = spawnSync(NGINX, ['-t', '-q', '-e', errorLog, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    expect(check.status, `nginx -t: ${check.stderr}`).toBe(0);

    nginx = spawn(NGINX, ['-e', errorLog, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let nginxStderr = '';
    nginx.stderr!.on('data', (chunk) => (nginxStderr += chunk));
    // Ready when the socket accepts a connection (nginx exiting early fails with its messages).
    for (;;) {
      if (nginx.exitCode !== null) throw new Error(`nginx exited: ${nginxStderr} ${existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : ''}`);
      const accepted = await new Promise<boolean>((resolve) => {
        const probe = connect(socketPath, () => {
          probe.end();
          resolve(true);
        });
        probe.on('error', () => resolve(false));
      });
      if (accepted) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx!.once('exit', resolve));
      nginx.kill('SIGTERM');
      await exited;
    }
    for (const upstream of replicas) await new Promise((resolve) => upstream.close(resolve));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page, and the page for any path the page handles itself', async () => {
    for (const url of ['/', '/runs/42?bin=3']) {
      const reply = await send('GET', url);
      expect(reply.status, url).toBe(200);
      expect(reply.body.toString()).toContain('<title>ASTRI</title>');
      expect(reply.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves hashed bundles as immutable and answers 404 for a missing one', async () => {
    const bundle = await send('GET', '/assets/index-abc123.js');
    expect(bundle.status).toBe(200);
    expect(bundle.headers['content-type']).toBe('application/javascript');
    expect(bundle.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await send('GET', '/assets/index-gone.js')).status).toBe(404);
  });

  it('answers its own health check without the server', async () => {
    const reply = await send('GET', '/nginx-health');
    expect(reply.status).toBe(200);
    expect(reply.body.toString()).toBe('ok\n');
  });

  it("passes the server's probes through, status included", async () => {
    const health = await send('GET', '/healthz');
    expect(health.status).toBe(200);
    expect(health.body.toString()).toBe('{"status":"ok"}');
    const ready = await send('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.toString()).toBe('{"status":"loading model"}');
  });

  it('proxies event images byte for byte', async () => {
    const reply = await send('GET', '/images/7.png');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('image/png');
    expect([...reply.body]).toEqual([137, 80, 78, 71, 1, 2, 3]);
  });

  it('proxies GraphQL requests with the original host and the client address', async () => {
    const reply = await send('POST', '/graphql', '{"query":"{ serverInfo { version } }"}', { 'content-type': 'application/json' });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body.toString())).toEqual({ data: { echo: '{"query":"{ serverInfo { version } }"}' } });
    const request = seen.find((r) => r.url === '/graphql' && r.headers['content-type'] === 'application/json')!;
    expect(request.headers.host).toBe('astri.example.org:8080');
    expect(request.headers['x-forwarded-host']).toBe('astri.example.org:8080');
    expect(request.headers['x-forwarded-for']).toBeDefined();
  });

  it('streams subscription events over SSE as they come, unbuffered', async () => {
    const events = await new Promise<string[]>((resolve, reject) => {
      const got: string[] = [];
      const req = request({ socketPath, path: '/graphql?query=subscription', headers: { host: 'localhost', accept: 'text/event-stream' } }, (res) => {
        expect(res.statusCode).toBe(200);
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          got.push(chunk);
          // The server has not finished yet: this event can only be here if nginx did not buffer it.
          if (got.length === 1) releaseStream();
        });
        res.on('end', () => resolve(got));
      });
      req.on('error', reject);
      req.end();
    });
    expect(events[0]).toBe('event: next\ndata: {"batch":1}\n\n');
    expect(events.join('')).toContain('event: complete');
  });

  it('upgrades graphql-ws WebSocket connections to the server', async () => {
    const socket = new WebSocket(`ws+unix:${socketPath}:/graphql`, 'graphql-transport-ws', { headers: { host: 'localhost' } });
    const reply = await new Promise<string>((resolve, reject) => {
      socket.on('open', () => socket.send('{"type":"connection_init"}'));
      socket.on('message', (data) => resolve(String(data)));
      socket.on('error', reject);
    });
    expect(socket.protocol).toBe('graphql-transport-ws');
    expect(reply).toBe('echo {"type":"connection_init"}');
    socket.close();
  });

  it('spreads requests over both API replicas and skips the one that is down', async () => {
    const before = seen.length;
    for (let i = 0; i < 8; i++) expect((await send('GET', '/healthz')).status).toBe(200);
    const replicasSeen = new Set(seen.slice(before).map((request) => request.replica));
    expect([...replicasSeen].sort()).toEqual([0, 1]);
  });

  it('opens WebSockets on both replicas', async () => {
    const before = seen.length;
    const sockets = await Promise.all(
      [0, 1, 2, 3].map(
        () =>
          new Promise<WebSocket>((resolve, reject) => {
            const socket = new WebSocket(`ws+unix:${socketPath}:/graphql`, 'graphql-transport-ws', { headers: { host: 'localhost' } });
            socket.on('open', () => resolve(socket));
            socket.on('error', reject);
          }),
      ),
    );
    // Least connections: open streams are what a replica is loaded with.
    expect(new Set(seen.slice(before).map((request) => request.replica)).size).toBe(2);
    for (const socket of sockets) socket.close();
  });
});

describe('15-astri-upstream.envsh', () => {
  it('takes the server URL without trailing slashes and renders the Docker DNS fallback or the given resolver', () => {
    const site = renderSite({ ASTRI_SERVER_URL: 'http://server:4000//', ASTRI_RESOLVER: '10.0.0.2 [fd00::53]' });
    expect(site.code, site.stderr).toBe(0);
    expect(site.config).toContain('upstream astri_server {\n  zone astri_server 64k;\n  least_conn;\n  server server:4000 resolve;\n}');
    expect(site.config).toContain('proxy_pass http://astri_server;');
    expect(site.config).toContain('resolver 10.0.0.2 [fd00::53] valid=10s ipv6=off;');
    // nginx's own variables are left alone.
    expect(site.config).toContain('proxy_set_header Upgrade $http_upgrade;');
  });

  it('makes every API replica an upstream server, names looked up again while nginx runs, addresses as they are', () => {
    const cluster = renderSite({ ASTRI_SERVER_URL: 'http://api-1:4000, http://api-2:4000/' });
    expect(cluster.code, cluster.stderr).toBe(0);
    expect(cluster.config).toContain('  server api-1:4000 resolve;\n  server api-2:4000 resolve;\n}');
    const addresses = renderSite({ ASTRI_SERVER_URL: 'http://10.0.0.7 http://[fd00::7]:4000' });
    expect(addresses.code, addresses.stderr).toBe(0);
    expect(addresses.config).toContain('  server 10.0.0.7:80;\n  server [fd00::7]:4000;\n}');
  });

  it('proxies to an https server with its port and name', () => {
    const site = renderSite({ ASTRI_SERVER_URL: 'https://astri-api.example.org' });
    expect(site.code, site.stderr).toBe(0);
    expect(site.config).toContain('server astri-api.example.org:443 resolve;');
    expect(site.config).toContain('proxy_pass https://astri_server;');
    expect(site.config).toContain('proxy_ssl_name astri-api.example.org;');
  });

  it('refuses API replicas with different schemes', () => {
    const site = renderSite({ ASTRI_SERVER_URL: 'http://api-1:4000 https://api-2:4443' });
    expect(site.code).not.toBe(0);
    expect(site.stderr).toContain('the URLs in ASTRI_SERVER_URL must all be http:// or all https://');
    expect(site.config).toBe('');
  });

  it('stops the container with a message when the URL has no scheme or has a path', () => {
    for (const [url, message] of [
      ['server:4000', 'ASTRI_SERVER_URL must be the server\'s base URL, like http://server:4000 (got "server:4000")'],
      ['', 'ASTRI_SERVER_URL must be the server\'s base URL, like http://server:4000 (got "")'],
      ['http://server:4000/api', 'ASTRI_SERVER_URL must be scheme://host[:port] without a path (got "http://server:4000/api")'],
    ]) {
      const site = renderSite({ ASTRI_SERVER_URL: url });
      expect(site.code, url).not.toBe(0);
      expect(site.stderr).toContain(message);
      expect(site.config).toBe('');
    }
  });
});
