// The machine being configured, seen through --root (like Portage's ROOT):
// every path the targets name is resolved under it.
import { closeSync, constants, existsSync, fstatSync, lstatSync, openSync, readFileSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileTypeOf, kindOf } from './sitefile';
import { errnoWords } from './errno';

/** The configured system at --root DIR ("/" without it), or null when DIR is not an existing directory. */
export function systemRootAt(dir?: string): SystemRoot | null {
  const root = rootDirAt(dir);
  return root === null ? null : new SystemRoot(root);
}

/** The absolute directory of --root DIR ("/" without it), or null when DIR is not an existing directory. */
export function rootDirAt(dir?: string): string | null {
  if (dir === undefined) return '/';
  // an empty --root (a shell variable that is not set) is not the current directory
  if (dir === '') return null;
  const root = resolve(dir);
  return isDirectoryPath(root) ? root : null;
}

/** Why --root DIR is not an existing directory, in words ("it is a regular file"); asked only when rootDirAt said null. */
export function rootProblem(dir: string): string {
  if (dir === '') return 'it is empty';
  const path = resolve(dir);
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code === 'ENOENT') {
      const link = lstatSync(path, { throwIfNoEntry: false });
      return link?.isSymbolicLink() ? `it is a symbolic link to ${readlinkSync(path)}, which does not exist` : 'no such directory';
    }
    return code === 'ENOTDIR' ? notDirectoryPart(path) : errnoWords(e);
  }
  return `it is ${fileTypeOf(st)}, not a directory`;
}

/** Whether path leads to a directory; no exception is made for a missing one (the launcher's path: src/launcher.ts). */
function isDirectoryPath(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false;
  }
}

/** A path of the configured system at root, as a path on this machine. */
export function pathOn(root: string, p: string): string {
  return root === '/' ? p : join(root, p);
}

/**
 * Where a path of the configured system at root really leads (symlinks resolved), as a path on
 * that system: under --root the root's own prefix is taken off. Null when it does not exist.
 */
export function realPathOn(root: string, p: string): string | null {
  const path = pathOn(root, p);
  let real: string;
  try {
    // a missing path (a TFTP root not made yet) is asked first, without an exception to build;
    // then the system's realpath(3): one call, where the JavaScript one lstats each component
    if (!statSync(path, { throwIfNoEntry: false })) return null;
    real = realpathSync.native(path);
  } catch {
    return null;
  }
  if (root === '/') return real;
  if (real === root) return '/';
  return real.startsWith(root + '/') ? real.slice(root.length) : real;
}

export class SystemRoot {
  /** @param root absolute directory, "/" for the live system */
  constructor(readonly root: string) {}

  path(p: string): string {
    return pathOn(this.root, p);
  }

  exists(p: string): boolean {
    return existsSync(this.path(p));
  }

  /** the file's bytes, or null when it does not exist; see readWithStat */
  read(p: string): Buffer | null {
    return this.readWithStat(p)?.bytes ?? null;
  }

  /**
   * The file's bytes and its stat, taken through one descriptor (so the stat
   * describes the bytes read, or an older version: see src/system/stamp.ts);
   * null when it does not exist. A path that is not a regular file (a directory,
   * a FIFO left where a generated file was) or cannot be read throws
   * UnreadableFile naming it: never a hang on a FIFO, never a bare errno.
   */
  readWithStat(p: string): { bytes: Buffer; stat: Stats } | null {
    const path = this.path(p);
    let fd: number;
    try {
      // O_NONBLOCK: a FIFO without a writer opens at once (and is refused below) instead of blocking
      fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (code === 'ENOENT') return null;
      if (code === 'ENOTDIR') throw new UnreadableFile(path, notDirectoryPart(path), 'a directory there (move that aside)');
      throw new UnreadableFile(path, errnoWords(e), 'a regular file ltspcfg-ts can read');
    }
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile()) throw new UnreadableFile(path, kindOf(stat), 'a regular file (move that aside)');
      return { bytes: readFileSync(fd), stat };
    } finally {
      closeSync(fd);
    }
  }

  readText(p: string): string | null {
    const b = this.read(p);
    return b === null ? null : b.toString('utf8');
  }

  isDirectory(p: string): boolean {
    return isDirectoryPath(this.path(p));
  }

  /** Where a path really leads (realPathOn): a path on the configured system, null when it does not exist. */
  realPath(p: string): string | null {
    return realPathOn(this.root, p);
  }

  /** name -> id of ROOT/etc/passwd and /etc/group (then the host's), read once a run */
  private readonly ids = new Map<'user' | 'group', Map<string, number>>();

  /** Looks a user or group up in ROOT/etc/passwd or /etc/group, then on the host. */
  lookupId(kind: 'user' | 'group', name: string): number | null {
    if (name === 'root') return 0;
    let table = this.ids.get(kind);
    if (!table) {
      table = new Map();
      const file = kind === 'user' ? '/etc/passwd' : '/etc/group';
      // the configured system's first entry for a name wins, then the host's
      for (const text of [this.readText(file), this.root === '/' ? null : readHost(file)]) {
        if (!text) continue;
        for (const line of text.split('\n')) {
          const f = line.split(':');
          if (f.length >= 3 && /^\d+$/.test(f[2]) && !table.has(f[0])) table.set(f[0], Number(f[2]));
        }
      }
      this.ids.set(kind, table);
    }
    return table.get(name) ?? null;
  }
}

function readHost(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** A path ltspcfg-ts reads (a file it generates or edits) that is not a readable regular file; exit 1, one line. */
export class UnreadableFile extends Error {
  constructor(readonly path: string, why: string, expected: string) {
    super(`cannot read ${path}: ${why}; expected ${expected}`);
  }
}

/** Which part of path is not a directory (ENOTDIR), in words. */
function notDirectoryPart(path: string): string {
  for (let d = path; ; ) {
    const up = d.slice(0, d.lastIndexOf('/')) || '/';
    if (up === d) break;
    d = up;
    const st = statSync(d, { throwIfNoEntry: false });
    if (st && !st.isDirectory()) return `${d} is ${fileTypeOf(st)}, not a directory`;
  }
  return 'a part of the path is not a directory';
}
