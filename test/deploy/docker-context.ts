// What Docker would send as the images' build context: the repository's files minus .dockerignore,
// with Docker's rules (patterns relative to the root, `**` across folders, `!` exceptions, the last
// matching pattern wins, a folder's pattern covers everything inside it), and the Dockerfiles' parts.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../server/config.ts';

interface Pattern {
  text: string;
  exception: boolean;
  regex: RegExp;
}

export function readDockerignore(root = PROJECT_ROOT): Pattern[] {
  return readFileSync(path.join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const exception = line.startsWith('!');
      const text = path.posix.normalize((exception ? line.slice(1) : line).replace(/^\/+/, ''));
      return { text, exception, regex: globToRegex(text) };
    });
}

function globToRegex(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      source += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** True when Docker leaves this path (relative, with forward slashes) out of the context. */
export function isExcluded(relativePath: string, patterns: Pattern[]): boolean {
  const parts = relativePath.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let excluded = false;
  for (const pattern of patterns) {
    if (candidates.some((candidate) => pattern.regex.test(candidate))) excluded = !pattern.exception;
  }
  return excluded;
}

/** Every file of the build context, relative to the root, sorted. */
export function contextFiles(root = PROJECT_ROOT): string[] {
  const patterns = readDockerignore(root);
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const relative = dir ? `${dir}/${entry.name}` : entry.name;
      const excluded = isExcluded(relative, patterns);
      if (entry.isDirectory()) {
        // Like Docker, skip an excluded folder unless an exception could bring something inside it back.
        if (excluded && !patterns.some((p) => p.exception && p.text.startsWith(`${relative}/`))) continue;
        walk(relative);
      } else if (!excluded) {
        files.push(relative);
      }
    }
  };
  walk('');
  return files.sort();
}

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

/** The Dockerfile's instructions (continuation lines joined, comments dropped), grouped by stage. */
export function parseDockerfile(file: string): Stage[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const instructions: Instruction[] = [];
  let pending = '';
  let start = 0;
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) return;
    if (pending && line.startsWith('#')) return;
    if (!pending) start = index + 1;
    pending += (pending ? ' ' : '') + line.replace(/\\$/, '').trim();
    if (line.endsWith('\\')) return;
    const [keyword, ...rest] = pending.split(/\s+/);
    instructions.push({ keyword: keyword.toUpperCase(), args: rest.join(' '), line: start });
    pending = '';
  });
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.args.replace(/--platform=\S+\s+/, '').split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG') throw new Error(`${file}:${instruction.line}: ${instruction.keyword} before the first FROM`);
    } else {
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return stages;
}

/** A COPY/ADD's flags and sources (the destination dropped); exec-form JSON arrays are understood too. */
export function copySources(instruction: Instruction): { from?: string; sources: string[] } {
  const words = instruction.args.startsWith('[') ? (JSON.parse(instruction.args) as string[]) : instruction.args.split(/\s+/);
  const flags = words.filter((word) => word.startsWith('--'));
  const paths = words.filter((word) => !word.startsWith('--'));
  const from = flags.find((flag) => flag.startsWith('--from='))?.slice('--from='.length);
  return { from, sources: paths.slice(0, -1) };
}
