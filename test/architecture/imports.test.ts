// The import graph of server/ and client/: no cycles, and arrows only in the allowed directions between rooms.
// Every relative import counts, `import type` and `import()` included: a type-only or lazy import is still an
// arrow a reader has to follow, and a lazy import must not hide a cycle.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

type Graph = Map<string, string[]>;

/** Source files under `dir` (project-relative paths); Prisma's generated client is not ours to arrange. */
function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(PROJECT_ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.(ts|mjs)$/.test(file) && !file.endsWith('.d.ts'))
    .map((file) => path.posix.join(dir, file.split(path.sep).join('/')))
    .filter((file) => !file.startsWith('server/data/generated/') && !file.includes('/node_modules/') && !file.includes('/dist/'));
}

/** Every import specifier of each file, as written. */
function importsByFile(files: readonly string[]): Map<string, string[]> {
  return new Map(files.map((file) => [file, ts.preProcessFile(readFileSync(path.join(PROJECT_ROOT, file), 'utf8'), true, true).importedFiles.map((entry) => entry.fileName)]));
}

/** Each file's relative imports, resolved to project-relative paths. */
function importGraph(imports: Map<string, string[]>): Graph {
  const graph: Graph = new Map();
  for (const [file, specifiers] of imports) {
    graph.set(file, specifiers.filter((name) => name.startsWith('.')).map((name) => path.posix.join(path.posix.dirname(file), name)));
  }
  return graph;
}

/** One cycle per strongly connected component (Tarjan), each written `a -> b -> a`. */
function findCycles(graph: Graph): string[] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component = new Set<string>();
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.add(member);
    } while (member !== node);
    const selfImport = graph.get(node)?.includes(node);
    if (component.size > 1 || selfImport) cycles.push(cycleThrough(node, component, graph).join(' -> '));
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return cycles;
}

/** A shortest path from `start` back to itself inside its component (breadth-first). */
function cycleThrough(start: string, component: Set<string>, graph: Graph): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const next of graph.get(node) ?? []) {
      if (!component.has(next)) continue;
      if (next === start) {
        const between: string[] = [];
        for (let at = node; at !== start; at = cameFrom.get(at)!) between.unshift(at);
        return [start, ...between, start];
      }
      if (!cameFrom.has(next)) {
        cameFrom.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start, start];
}

/** The room a file lives in: a folder directly under server/ (or one of its top-level files), or the client. */
function roomOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] === 'client') return 'client';
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : file;
}

/** Which rooms each room may import (besides itself). A room missing here fails: place it deliberately. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  // Ground floor: import nothing of the server. metrics/ and random/ are pure and shared with the client;
  // domain/ holds the class labels, dataset and model descriptors and run types every layer shares.
  'server/domain': [],
  'server/errors.ts': [],
  'server/config.ts': [],
  'server/metrics': [],
  'server/random': [],
  'server/util': [],
  'server/observability': [],
  // Where bytes live (object stores); knows nothing of datasets or models.
  'server/storage': ['server/config.ts', 'server/errors.ts'],
  // The model runtime knows nothing of datasets, runs, the model registry or GraphQL.
  'server/inference': ['server/domain', 'server/util'],
  'server/cluster': ['server/domain', 'server/errors.ts'],
  'server/data': ['server/config.ts', 'server/domain', 'server/errors.ts', 'server/random', 'server/storage', 'server/util'],
  'server/training': ['server/data', 'server/domain', 'server/inference', 'server/metrics', 'server/random'],
  'server/models': ['server/config.ts', 'server/data', 'server/domain', 'server/errors.ts', 'server/inference', 'server/storage', 'server/util'],
  'server/predictions': ['server/cluster', 'server/config.ts', 'server/data', 'server/domain', 'server/errors.ts', 'server/inference', 'server/metrics', 'server/models', 'server/observability', 'server/random', 'server/util'],
  // Tokens, roles and the request's principal: resolvers ask it, nobody else reads credentials.
  'server/auth': ['server/config.ts', 'server/data', 'server/domain', 'server/errors.ts'],
  'server/uploads': ['server/config.ts', 'server/data', 'server/domain', 'server/errors.ts', 'server/observability', 'server/storage', 'server/util'],
  'server/schema': ['server/auth', 'server/cluster', 'server/config.ts', 'server/data', 'server/domain', 'server/errors.ts', 'server/inference', 'server/metrics', 'server/models', 'server/predictions', 'server/uploads', 'server/util'],
  'server/app.ts': ['server/auth', 'server/cluster', 'server/config.ts', 'server/data', 'server/domain', 'server/errors.ts', 'server/models', 'server/observability', 'server/predictions', 'server/schema', 'server/storage', 'server/uploads'],
  'server/serve.ts': ['server/app.ts', 'server/config.ts', 'server/data', 'server/domain', 'server/observability'],
  'server/worker.ts': ['server/cluster', 'server/config.ts', 'server/data', 'server/models', 'server/observability', 'server/predictions', 'server/storage'],
  'server/cli': ['server/auth', 'server/config.ts', 'server/data', 'server/domain', 'server/errors.ts', 'server/inference', 'server/models', 'server/predictions', 'server/serve.ts', 'server/worker.ts', 'server/storage', 'server/training', 'server/uploads'],
  // The page reaches the server only through GraphQL, except for these pure modules.
  client: ['server/metrics', 'server/random'],
};

/**
 * Arrows against the rules that are known and tolerated for now, as [importing file prefix, imported file].
 * An entry that no longer matches any import fails the test, so the list only shrinks.
 */
const TEMPORARY_EXCEPTIONS: readonly (readonly [string, string])[] = [];

function forbiddenArrows(graph: Graph): { forbidden: string[]; unusedExceptions: string[] } {
  const forbidden: string[] = [];
  const usedExceptions = new Set<number>();
  for (const [file, imports] of graph) {
    const from = roomOf(file);
    for (const target of imports) {
      const to = roomOf(target);
      if (from === to) continue;
      if (MAY_IMPORT[from]?.includes(to)) continue;
      const exception = TEMPORARY_EXCEPTIONS.findIndex(([prefix, imported]) => file.startsWith(prefix) && target === imported);
      if (exception >= 0) {
        usedExceptions.add(exception);
        continue;
      }
      const why = MAY_IMPORT[from] ? `${from} may not import ${to}` : `${from} is not in MAY_IMPORT`;
      forbidden.push(`${file} -> ${target} (${why})`);
    }
  }
  const unusedExceptions = TEMPORARY_EXCEPTIONS.filter((_, i) => !usedExceptions.has(i)).map(([prefix, imported]) => `${prefix}* -> ${imported}`);
  return { forbidden, unusedExceptions };
}

/** Rooms the browser bundle takes in: they import nothing but each other, no Node module and no package. */
const CLIENT_SAFE = ['server/metrics', 'server/random'];

const imports = importsByFile([...sourceFiles('server'), ...sourceFiles('client')]);
const graph = importGraph(imports);

describe('the import graph of server/ and client/', () => {
  it('reads the relative imports of every source file', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('server/app.ts')).toContain('server/schema/index.ts');
  });

  it('has no import cycles', () => {
    expect(findCycles(graph)).toEqual([]);
  });

  it('has arrows only in the allowed directions between rooms', () => {
    expect(forbiddenArrows(graph).forbidden).toEqual([]);
  });

  it('keeps the modules shared with the client free of Node and of packages', () => {
    const outside = [...imports].flatMap(([file, specifiers]) =>
      CLIENT_SAFE.includes(roomOf(file)) ? specifiers.filter((name) => !name.startsWith('.')).map((name) => `${file} imports ${name}`) : [],
    );
    expect(outside).toEqual([]);
  });

  it('has no temporary exception left that nothing uses', () => {
    expect(forbiddenArrows(graph).unusedExceptions).toEqual([]);
  });
});

describe('the cycle finder', () => {
  it('names each cycle by its files', () => {
    const knot: Graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts', 'd.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', []],
      ['e.ts', ['e.ts']],
    ]);
    expect(findCycles(knot)).toEqual(['a.ts -> b.ts -> c.ts -> a.ts', 'e.ts -> e.ts']);
  });

  it('finds none in a tree', () => {
    expect(findCycles(new Map([['a.ts', ['b.ts', 'c.ts']], ['b.ts', ['c.ts']], ['c.ts', []]]))).toEqual([]);
  });
});
