// Entry names as archives spell them, checked before anything is written: what is unsafe (refused),
// what is operating-system litter (skipped), and the key under which two names collide.
import { UnsafeEntryError } from './errors.ts';

export interface EntryPath {
  /** The name with "./" segments, doubled and trailing slashes removed: "mydata/gamma/x.png". */
  path: string;
  segments: string[];
  /** macOS or Windows litter and dotfiles: `__MACOSX/`, `.DS_Store`, `._x.png`, `Thumbs.db`. */
  ignored: boolean;
}

const LITTER_NAMES: ReadonlySet<string> = new Set(['__macosx', 'thumbs.db', 'desktop.ini']);

/** Normalizes an entry's name; throws UnsafeEntryError for anything that could leave the destination. */
export function checkEntryPath(name: string): EntryPath {
  if (name.includes('\0')) throw new UnsafeEntryError(`"${printable(name)}" has a NUL character in its name; the archive was refused`, printable(name));
  if (name.includes('\\')) {
    throw new UnsafeEntryError(`"${name}" has a backslash in its name, which some systems read as a folder separator; the archive was refused`, name);
  }
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) {
    throw new UnsafeEntryError(`"${name}" is an absolute path and would be written outside the dataset's folder; the archive was refused`, name);
  }
  const segments = name.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) {
    throw new UnsafeEntryError(`"${name}" climbs out of the archive with ".." and would be written outside the dataset's folder; the archive was refused`, name);
  }
  const ignored = segments.some((segment) => segment.startsWith('.') || LITTER_NAMES.has(segment.toLowerCase()));
  return { path: segments.join('/'), segments, ignored };
}

/** Two names with the same key would be one file on a case-insensitive disk (or are simply the same). */
export function collisionKey(path: string): string {
  return path.normalize('NFC').toLowerCase();
}

function printable(name: string): string {
  return name.replaceAll('\0', '\\0');
}
