// HEALTHCHECK of the server image: exit 0 when GET /readyz answers 200 (data and model loaded), 1 otherwise,
// with the reason on stderr (`docker inspect` keeps it). It asks the container's own port: 4000 unless
// ASTRI_SERVER__PORT moves it, or the port given as argument (`astri worker --port 8081` in
// docker-compose.yml's cluster profile). (No variable of its own: the server rejects unknown ASTRI_* names.)
const port = process.argv[2] || process.env.ASTRI_SERVER__PORT || '4000';
const url = `http://127.0.0.1:${port}/readyz`;

try {
  const response = await fetch(url, { signal: AbortSignal.timeout(4000) });
  if (!response.ok) {
    process.stderr.write(`not ready: ${url} answered HTTP ${response.status} ${(await response.text()).slice(0, 300)}\n`);
    process.exitCode = 1;
  }
} catch (error) {
  process.stderr.write(`not ready: ${url}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
