// The only place that changes files. Two phases, so that an error leaves the
// system as it was: first every new file, every backup and the state are written
// to temporary files beside their destinations (fsync'd, with their final mode
// and owner); only when all of them exist are they renamed into place.
//
// The fsyncs overlap (node's thread pool runs several at once, and the file
// system commits them together) instead of paying one after the other:
// bench/durable-writes.mjs measures the choices.
import {
  accessSync, chmodSync, chownSync, close, closeSync, constants, fchmodSync, fchownSync, fsync, fsyncSync, mkdirSync, open, openSync, renameSync, rmdirSync, statSync, unlinkSync, writeSync,
} from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { Problem } from '../errors';

export interface Write {
  /** absolute path on this machine (already under --root) */
  path: string;
  data: Buffer;
  mode: number;
  uid?: number;
  gid?: number;
}

/** A file writeAll cannot write: it then writes none of them. */
function writeError(path: string, cause: Error): Problem {
  return new Problem(`cannot write ${path}: ${describe(cause)}; nothing was changed`);
}

function describe(e: Error): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EROFS': return 'the file system is read-only';
    case 'EACCES':
    case 'EPERM': return 'permission denied';
    case 'ENOSPC': return 'no space left on the device';
    case 'ENOTDIR': return 'a parent is not a directory';
    default: return e.message;
  }
}

/** Creates missing parent directories; returns those it made, deepest last. */
function makeParents(dir: string, made: string[]): void {
  const missing: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    try {
      if (!statSync(d).isDirectory()) throw Object.assign(new Error(`${d} is not a directory`), { code: 'ENOTDIR' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      missing.unshift(d);
      if (dirname(d) === d) break;
    }
  }
  for (const d of missing) {
    mkdirSync(d, { mode: 0o755 });
    made.push(d);
  }
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsync of one file; fsync flushes the file, whichever descriptor asks: a read-only one will do. */
function fsyncPath(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    open(path, 'r', (e, fd) => {
      if (e) return reject(e);
      fsync(fd, (syncError) => close(fd, (closeError) => (syncError ?? closeError ? reject(syncError ?? closeError) : resolve())));
    });
  });
}

/** fsync of many files, several in flight at once; rejects with the first failure, after all have settled. */
const IN_FLIGHT = 16;
export async function fsyncAll(paths: string[]): Promise<void> {
  let next = 0;
  let failure: { path: string; error: Error } | undefined;
  const lane = async () => {
    while (next < paths.length) {
      const path = paths[next++];
      try {
        await fsyncPath(path);
      } catch (e) {
        failure ??= { path, error: e as Error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, paths.length) }, lane));
  if (failure) throw Object.assign(failure.error, { path: failure.path });
}

/** Makes a directory (mode, owner) that must exist; true when it was created. */
export function ensureDirectory(path: string, mode: number, uid?: number, gid?: number): boolean {
  try {
    if (statSync(path).isDirectory()) return false;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Problem(`cannot create the directory ${path}: ${describe(e as Error)}`);
  }
  try {
    mkdirSync(path, { recursive: true, mode });
    // mkdir's mode is filtered by the umask
    chmodSync(path, mode);
    if (uid !== undefined && gid !== undefined) chownSync(path, uid, gid);
  } catch (e) {
    throw new Problem(`cannot create the directory ${path}: ${describe(e as Error)}`);
  }
  return true;
}

/** The nearest directory that exists at or above dir. */
function existingAncestor(dir: string): string {
  for (let d = dir; ; d = dirname(d)) {
    try {
      statSync(d);
      return d;
    } catch {
      if (dirname(d) === d) return d;
    }
  }
}

/**
 * Writes all files atomically, or none of them. Directories are checked for
 * write access first (access(2) reports a read-only mount even to root), so a
 * doomed run does not even leave a temporary file's trace in a directory mtime.
 */
export async function writeAll(writes: Write[]): Promise<void> {
  for (const w of writes) {
    const dir = existingAncestor(dirname(w.path));
    try {
      accessSync(dir, constants.W_OK);
    } catch (e) {
      throw writeError(w.path, e as Error);
    }
  }
  const temps: { tmp: string; path: string }[] = [];
  const madeDirs: string[] = [];
  const undo = () => {
    for (const t of temps) try { unlinkSync(t.tmp); } catch { /* already gone */ }
    for (const d of madeDirs.reverse()) try { rmdirSync(d); } catch { /* not empty or gone */ }
  };
  try {
    for (const w of writes) {
      const dir = dirname(w.path);
      try {
        makeParents(dir, madeDirs);
        const tmp = join(dir, `.${basename(w.path)}.ltspcfg-${process.pid}.tmp`);
        const fd = openSync(tmp, 'wx', w.mode);
        temps.push({ tmp, path: w.path });
        try {
          let off = 0;
          while (off < w.data.length) off += writeSync(fd, w.data, off);
          fchmodSync(fd, w.mode);
          if (w.uid !== undefined && w.gid !== undefined) fchownSync(fd, w.uid, w.gid);
        } finally {
          closeSync(fd);
        }
      } catch (e) {
        throw writeError(w.path, e as Error);
      }
    }
    // every temporary file on disk before the first rename
    try {
      await fsyncAll(temps.map((t) => t.tmp));
    } catch (e) {
      const tmp = (e as { path?: string }).path;
      throw writeError(temps.find((t) => t.tmp === tmp)?.path ?? tmp ?? '?', e as Error);
    }
  } catch (e) {
    undo();
    throw e;
  }
  const dirs = new Set<string>();
  for (const t of temps) {
    renameSync(t.tmp, t.path);
    dirs.add(dirname(t.path));
  }
  for (const d of dirs) fsyncDir(d);
}
