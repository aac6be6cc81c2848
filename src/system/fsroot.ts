// The machine being configured, seen through --root (like Portage's ROOT):
// every path the targets name is resolved under it.
import { closeSync, existsSync, fstatSync, openSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { join, resolve } from 'node:path';

/** The configured system at --root DIR ("/" without it), or null when DIR is not an existing directory. */
export function systemRootAt(dir?: string): SystemRoot | null {
  if (dir === undefined) return new SystemRoot('/');
  const root = resolve(dir);
  try {
    return statSync(root).isDirectory() ? new SystemRoot(root) : null;
  } catch {
    return null;
  }
}

export class SystemRoot {
  /** @param root absolute directory, "/" for the live system */
  constructor(readonly root: string) {}

  path(p: string): string {
    return this.root === '/' ? p : join(this.root, p);
  }

  exists(p: string): boolean {
    return existsSync(this.path(p));
  }

  /** the file's bytes, or null when it does not exist */
  read(p: string): Buffer | null {
    try {
      return readFileSync(this.path(p));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  /**
   * The file's bytes and its stat, taken through one descriptor (so the stat
   * describes the bytes read, or an older version: see src/system/stamp.ts);
   * null when it does not exist.
   */
  readWithStat(p: string): { bytes: Buffer; stat: Stats } | null {
    let fd: number;
    try {
      fd = openSync(this.path(p), 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    try {
      const stat = fstatSync(fd);
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
    try {
      return statSync(this.path(p)).isDirectory();
    } catch {
      return false;
    }
  }

  /**
   * Where a path really leads (symlinks resolved), as a path on the configured
   * system: under --root the root's own prefix is taken off. Null when it does not exist.
   */
  realPath(p: string): string | null {
    let real: string;
    try {
      // the system's realpath(3): one call, where the JavaScript one lstats each component
      real = realpathSync.native(this.path(p));
    } catch {
      return null;
    }
    if (this.root === '/') return real;
    if (real === this.root) return '/';
    return real.startsWith(this.root + '/') ? real.slice(this.root.length) : real;
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
