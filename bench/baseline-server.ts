// The yardstick: the original Python backend (../shared/baseline/seed_backend.py: FastAPI + uvicorn + Pillow,
// the model on PyTorch), started on the same images and model, asked through its one endpoint POST /predict/.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { getStatus, postJson } from './http.ts';
import { watchMemory, type MemoryPeak } from './memory.ts';
import { freePort, runToEnd, startProcess, type ManagedProcess } from './processes.ts';

export class BaselineUnavailableError extends Error {
  override name = 'BaselineUnavailableError';
}

/** Debian packages the baseline imports, and the module each provides. */
export const BASELINE_PACKAGES: ReadonlyArray<[debianPackage: string, pythonModule: string]> = [
  ['python3-torch', 'torch'],
  ['python3-h5py', 'h5py'],
  ['python3-fastapi', 'fastapi'],
  ['python3-uvicorn', 'uvicorn'],
  ['python3-pil', 'PIL'],
  ['python3-yaml', 'yaml'],
  ['python3-numpy', 'numpy'],
];

/** Debian's interpreter: the `python3` first on PATH may be another one without these packages. */
export const BASELINE_PYTHON = '/usr/bin/python3';

async function missingModules(python: string): Promise<string[]> {
  if (!existsSync(python)) return BASELINE_PACKAGES.map(([, module]) => module);
  const script = `import importlib\nfor m in ${JSON.stringify(BASELINE_PACKAGES.map(([, module]) => module))}:\n    try:\n        importlib.import_module(m)\n    except Exception:\n        print(m)\n`;
  const out = await runToEnd('python import check', python, ['-c', script]);
  return out.split('\n').map((line) => line.trim()).filter(Boolean);
}

/** Checks the baseline's Python packages; installs the missing ones with apt-get when running as root, else says which. */
export async function ensureBaselineDependencies(say: (line: string) => void): Promise<{ versions: string }> {
  let missing = await missingModules(BASELINE_PYTHON);
  if (missing.length > 0) {
    const packages = BASELINE_PACKAGES.filter(([, module]) => missing.includes(module)).map(([debianPackage]) => debianPackage);
    if (!existsSync(BASELINE_PYTHON)) packages.unshift('python3');
    const command = `apt-get install -y --no-install-recommends ${packages.join(' ')}`;
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    if (!isRoot || !existsSync('/usr/bin/apt-get')) {
      throw new BaselineUnavailableError(`the baseline needs Debian packages that are missing: ${packages.join(' ')}; install them with: sudo ${command} (or run with --no-baseline)`);
    }
    say(`installing the baseline's Debian packages: ${command}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    try {
      await runToEnd('apt-get install', '/usr/bin/apt-get', command.split(' ').slice(1), { env });
    } catch {
      await runToEnd('apt-get update', '/usr/bin/apt-get', ['update'], { env });
      await runToEnd('apt-get install', '/usr/bin/apt-get', command.split(' ').slice(1), { env });
    }
    missing = await missingModules(BASELINE_PYTHON);
    if (missing.length > 0) throw new BaselineUnavailableError(`after apt-get install, ${BASELINE_PYTHON} still cannot import ${missing.join(', ')}`);
  }
  const versions = await runToEnd('python versions', BASELINE_PYTHON, [
    '-c',
    'import sys, torch, fastapi, uvicorn, PIL, numpy; print(f"Python {sys.version.split()[0]}, PyTorch {torch.__version__}, FastAPI {fastapi.__version__}, uvicorn {uvicorn.__version__}, Pillow {PIL.__version__}, NumPy {numpy.__version__}")',
  ]);
  return { versions: versions.trim() };
}

export interface BaselineOptions {
  baselineDir: string;
  stateDir: string;
  gammaDir: string;
  protonDir: string;
  manifestFile: string;
  modelFile: string;
  imageWidth: number;
  imageHeight: number;
  startTimeoutMs?: number;
}

export interface BaselineTiming {
  eventsPerClass: number;
  /** From sending the request to the end of the answer (the baseline answers once, when all is done). */
  endToEndMs: number;
  /** The baseline's own `seconds` (inside the request handler). */
  serverMs: number;
  images: number;
  gammaness: { gamma: number[]; proton: number[] };
}

export class BaselineServer {
  private constructor(
    readonly process: ManagedProcess,
    readonly url: string,
    readonly startupMs: number,
  ) {}

  get pid(): number {
    return this.process.pid;
  }

  static async start(options: BaselineOptions): Promise<BaselineServer> {
    const script = path.join(options.baselineDir, 'seed_backend.py');
    if (!existsSync(script)) throw new BaselineUnavailableError(`no baseline at ${script} (set --baseline-dir, or run with --no-baseline)`);
    mkdirSync(options.stateDir, { recursive: true });
    const port = await freePort();
    const configFile = path.join(options.stateDir, 'config_backend.yaml');
    // JSON is YAML; every path is absolute, so nothing depends on where the config file lies.
    const config = {
      gamma_dir: options.gammaDir,
      proton_dir: options.protonDir,
      model_file: options.modelFile,
      database_file: path.join(options.stateDir, 'baseline.db'),
      img_w: options.imageWidth,
      img_h: options.imageHeight,
      port,
      manifest: options.manifestFile,
    };
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    const started = performance.now();
    const server = startProcess('baseline (seed_backend.py)', BASELINE_PYTHON, [script, configFile], { cwd: options.baselineDir });
    const url = `http://127.0.0.1:${port}`;
    const deadline = started + (options.startTimeoutMs ?? 180_000);
    try {
      // uvicorn runs with log_level=warning and prints nothing when it is up: poll its OpenAPI document.
      for (;;) {
        if (server.child.exitCode !== null) throw new BaselineUnavailableError(`the baseline exited (code ${server.child.exitCode}):\n${server.output().slice(-4000)}`);
        if (performance.now() > deadline) throw new BaselineUnavailableError(`the baseline did not answer on ${url} within the start timeout:\n${server.output().slice(-4000)}`);
        const status = await getStatus(`${url}/openapi.json`).catch(() => 0);
        if (status === 200) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } catch (error) {
      await server.stop(1000);
      throw error;
    }
    return new BaselineServer(server, url, performance.now() - started);
  }

  async predict(minTeV: number, maxTeV: number, eventsPerClass: number): Promise<BaselineTiming> {
    const sentAt = performance.now();
    const answer = (await postJson(`${this.url}/predict/`, { energy_min: minTeV, energy_max: maxTeV, n_events: eventsPerClass })) as {
      gamma?: Record<string, number>;
      proton?: Record<string, number>;
      seconds?: number;
      detail?: unknown;
    };
    const endToEndMs = performance.now() - sentAt;
    if (!answer.gamma || !answer.proton) throw new BaselineUnavailableError(`unexpected answer from the baseline: ${JSON.stringify(answer).slice(0, 500)}`);
    const gamma = Object.values(answer.gamma);
    const proton = Object.values(answer.proton);
    return { eventsPerClass, endToEndMs, serverMs: (answer.seconds ?? NaN) * 1000, images: gamma.length + proton.length, gammaness: { gamma, proton } };
  }

  async measured<T>(work: () => Promise<T>): Promise<{ result: T; memory: MemoryPeak }> {
    const stop = watchMemory([this.pid]);
    let memory: MemoryPeak | null = null;
    try {
      const result = await work();
      memory = stop();
      return { result, memory };
    } finally {
      if (!memory) stop();
    }
  }

  async stop(): Promise<void> {
    await this.process.stop(5000);
  }
}
