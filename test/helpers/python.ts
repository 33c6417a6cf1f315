// Debian's Python 3 for the tests that check the server against NumPy / scikit-learn or run the Python client
// of docs/python.md. A test that needs a module the machine lacks skips, saying once what to install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Debian's interpreter, where apt's python3-* modules live; another python3 on PATH may lack them. */
export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

const told = new Set<string>();

/** True when PYTHON imports every module; otherwise prints one line (once per module set) and returns false. */
export function needsPython(modules: readonly string[], debianPackages: readonly string[], what: string): boolean {
  const probe = spawnSync(PYTHON, ['-c', modules.map((name) => `import ${name}`).join('; ')], { encoding: 'utf8' });
  if (probe.status === 0) return true;
  const key = modules.join(',');
  if (!told.has(key)) {
    told.add(key);
    console.warn(`skipping ${what}: ${PYTHON} cannot import ${modules.join(', ')} (apt-get install ${debianPackages.join(' ')})`);
  }
  return false;
}

/** Runs scripts/energy-metrics-reference.py --stdin on a request and returns its answer. */
export function energyMetricsReference<T>(request: unknown): T {
  const result = spawnSync(PYTHON, [path.join(PROJECT_ROOT, 'scripts', 'energy-metrics-reference.py'), '--stdin'], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`energy-metrics-reference.py failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}
