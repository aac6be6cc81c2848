// The only place that changes files. Two phases, so that an error leaves the
// system as it was: first every new file, every backup and the state are written
// to temporary files beside their destinations (fsync'd, with their final mode
// and owner); only when all of them exist are they renamed into place.
//
// The fsyncs overlap (node's thread pool runs several at once, and the file
// system commits them together) instead of paying one after the other:
// bench/durable-writes.mjs measures the choices. A run of a few files (a
// one-target apply: its file or two and state.json) fsyncs each through the descriptor
// it wrote with, before closing it: starting the thread pool and coming back
// through the event loop costs more than the overlap saves there (INLINE_FSYNC_MAX).
import {
  accessSync, chmodSync, chownSync, close, closeSync, constants, copyFileSync, fchmodSync, fchownSync, fsync, fsyncSync, linkSync, lstatSync, mkdirSync, open, openSync, readdirSync, renameSync, rmdirSync, statSync, unlinkSync, writeSync,
} from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { Problem } from '../errors';
import { errnoWords } from './errno';

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
  return new Problem(`cannot write ${path}: ${errnoWords(cause)}; nothing was changed`);
}

/**
 * Temporary files are named .NAME.ltspcfg-ts-PID.tmp: recognisable, so that
 * those an interrupted apply left (killed between write and rename) are
 * removed by the next one. TEMP_FILE also knows the older .NAME.ltspcfg-PID.tmp.
 */
const tempName = (name: string) => `.${name}.ltspcfg-ts-${process.pid}.tmp`;
const TEMP_FILE = /^\..+\.ltspcfg(?:-ts)?-\d+\.tmp$/;

/**
 * Removes this tool's temporary files older than `before` (ms since the epoch:
 * when the apply lock was taken, so no live apply owns them) from the given
 * directories. Regular files only; returns the paths removed.
 */
export function removeStaleTemps(dirs: string[], before: number): string[] {
  const removed: string[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue; // not there yet
    }
    for (const name of names) {
      if (!TEMP_FILE.test(name)) continue;
      const path = join(dir, name);
      try {
        const st = lstatSync(path);
        if (!st.isFile() || st.mtimeMs >= before) continue;
        unlinkSync(path);
        removed.push(path);
      } catch {
        // gone meanwhile
      }
    }
  }
  return removed;
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

/**
 * Up to this many files are fsync'd one after the other, each before its descriptor is closed.
 * Measured in a fresh node (medians, fsync and rename included): 2 files on tmpfs 0.06 ms inline
 * against 0.5-5 ms through the thread pool, on ext4 0.8 ms against 1-3.6 ms; 3 files on a busy
 * ext4 6.4 against 9.6 ms. From 4 files on, the overlapping fsyncs win there.
 */
const INLINE_FSYNC_MAX = 3;

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
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Problem(`cannot create the directory ${path}: ${errnoWords(e)}`);
  }
  try {
    mkdirSync(path, { recursive: true, mode });
    // mkdir's mode is filtered by the umask
    chmodSync(path, mode);
    if (uid !== undefined && gid !== undefined) chownSync(path, uid, gid);
  } catch (e) {
    throw new Problem(`cannot create the directory ${path}: ${errnoWords(e)}`);
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
 * Keeps path's current file as path.old, without copying it: a hard link under
 * a temporary name renamed over path.old, so path never disappears, even for a
 * moment (a client may be fetching it). A copy where links are refused. The
 * caller fsyncs the directory (a commit does). False when there is no file.
 */
export function keepPrevious(path: string): boolean {
  const tmp = join(dirname(path), tempName(`${basename(path)}.old`));
  try {
    linkSync(path, tmp);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    if (code !== 'EPERM' && code !== 'EXDEV' && code !== 'EMLINK') throw writeError(`${path}.old`, e as Error);
    try {
      copyFileSync(path, tmp);
    } catch (copyError) {
      throw writeError(`${path}.old`, copyError as Error);
    }
  }
  renameSync(tmp, `${path}.old`);
  return true;
}

/** Files written and fsync'd beside their destinations, not yet in place. */
export interface StagedWrites {
  /**
   * Renames every file into place, then fsyncs their directories. `before`
   * runs first, once the temporary files exist (e.g. a backup by hard link).
   */
  commit(before?: () => void): void;
  /** Removes the temporary files (and the directories made for them). */
  discard(): void;
}

/**
 * Writes all files atomically, or none of them. Directories are checked for
 * write access first (access(2) reports a read-only mount even to root), so a
 * doomed run does not even leave a temporary file's trace in a directory mtime.
 */
export async function writeAll(writes: Write[]): Promise<void> {
  (await stageWrites(writes)).commit();
}

/**
 * The first phase of writeAll alone: every file written to its temporary name
 * and fsync'd, so that the slow part can overlap other work (the image's boot
 * files while mksquashfs runs) and the commit is only renames.
 */
export async function stageWrites(writes: Write[]): Promise<StagedWrites> {
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
  const inline = writes.length <= INLINE_FSYNC_MAX;
  try {
    for (const w of writes) {
      const dir = dirname(w.path);
      try {
        makeParents(dir, madeDirs);
        const tmp = join(dir, tempName(basename(w.path)));
        const fd = openSync(tmp, 'wx', w.mode);
        temps.push({ tmp, path: w.path });
        try {
          let off = 0;
          while (off < w.data.length) off += writeSync(fd, w.data, off);
          fchmodSync(fd, w.mode);
          if (w.uid !== undefined && w.gid !== undefined) fchownSync(fd, w.uid, w.gid);
          if (inline) fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      } catch (e) {
        throw writeError(w.path, e as Error);
      }
    }
    // every temporary file on disk before the first rename
    try {
      if (!inline) await fsyncAll(temps.map((t) => t.tmp));
    } catch (e) {
      const tmp = (e as { path?: string }).path;
      throw writeError(temps.find((t) => t.tmp === tmp)?.path ?? tmp ?? '?', e as Error);
    }
  } catch (e) {
    undo();
    throw e;
  }
  return {
    commit(before) {
      try {
        before?.();
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
    },
    discard: undo,
  };
}
