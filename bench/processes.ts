// Child processes of the benchmark (the two servers, helpers): started here, always killed when the bench ends,
// whether it finishes, fails, or is interrupted.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createServer } from 'node:net';

export class BenchProcessError extends Error {
  override name = 'BenchProcessError';
}

const running = new Set<ChildProcess>();
let hooksInstalled = false;

function killAllNow(): void {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  running.clear();
}

/** Kills every child still running on exit, Ctrl-C, SIGTERM or an uncaught error. */
function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}: stopping the servers\n`);
      killAllNow();
      process.exit(130);
    });
  }
}

export interface ManagedProcess {
  child: ChildProcess;
  pid: number;
  /** Everything written to stdout and stderr so far (the last 64 KiB), for error messages. */
  output(): string;
  /** Only what was written to stdout (the last 1 MiB). */
  stdout(): string;
  /** Resolves with the first stdout line matching `pattern`; rejects if the process exits first or on timeout. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

export function startProcess(label: string, command: string, args: string[], options: SpawnOptions = {}): ManagedProcess {
  installHooks();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let spawnError: Error | null = null;
  child.on('error', (error) => {
    spawnError = error;
  });
  if (child.pid === undefined) throw new BenchProcessError(`${label}: could not start ${command}${spawnError ? `: ${(spawnError as Error).message}` : ''}`);
  running.add(child);
  let log = '';
  let stdoutLog = '';
  let stdoutBuffer = '';
  const lineListeners = new Set<(line: string) => void>();
  const append = (text: string) => {
    log = (log + text).slice(-65536);
  };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    append(chunk);
    stdoutLog = (stdoutLog + chunk).slice(-1048576);
    stdoutBuffer += chunk;
    let newline: number;
    while ((newline = stdoutBuffer.indexOf('\n')) >= 0) {
      const line = stdoutBuffer.slice(0, newline);
      stdoutBuffer = stdoutBuffer.slice(newline + 1);
      for (const listener of lineListeners) listener(line);
    }
  });
  child.stderr!.setEncoding('utf8').on('data', append);
  const exited = new Promise<number | null>((resolve) => {
    // 'close' comes after 'exit' once stdout and stderr are drained, so output() is complete then.
    child.once('close', (code) => {
      running.delete(child);
      resolve(code);
    });
  });

  return {
    child,
    pid: child.pid,
    output: () => log,
    stdout: () => stdoutLog,
    exited,
    waitForLine(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          cleanup();
          reject(new BenchProcessError(`${label}: no line matching ${pattern} within ${timeoutMs / 1000} s; output so far:\n${log.slice(-4000)}`));
        }, timeoutMs);
        const listener = (line: string) => {
          const match = line.match(pattern);
          if (match) {
            cleanup();
            resolve(match);
          }
        };
        const onExit = (code: number | null) => {
          cleanup();
          reject(new BenchProcessError(`${label} exited (code ${code}) before printing ${pattern}; output:\n${log.slice(-4000)}`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          lineListeners.delete(listener);
          child.off('exit', onExit);
        };
        lineListeners.add(listener);
        child.once('exit', onExit);
      });
    },
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs a command to completion; rejects with its output when it fails. */
export async function runToEnd(label: string, command: string, args: string[], options: SpawnOptions & { input?: string } = {}): Promise<string> {
  const { input, ...spawnOptions } = options;
  const managed = startProcess(label, command, args, { ...spawnOptions, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  if (input !== undefined) managed.child.stdin!.end(input);
  const code = await managed.exited;
  if (code !== 0) throw new BenchProcessError(`${label} failed (exit code ${code}):\n${managed.output().slice(-4000)}`);
  return managed.stdout();
}

/** A port that was free a moment ago (for the baseline, which cannot listen on port 0 and report it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
