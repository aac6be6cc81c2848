// One apply at a time on a system: an admin's run and the ltsp-tftpd start
// must not interleave their writes. The lock is a file linked into place
// (atomic, fails if it exists) holding the holder's pid and start time; a lock
// whose holder is gone (killed mid-apply) is taken over, one that is held is
// waited for, then refused. It lives in /run (tmpfs: gone after a reboot), not
// in the configured system, so that a run that changes nothing touches nothing.
import { closeSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { Problem } from '../errors';
import { readRegularFile } from './sitefile';
import { sha256 } from './sha256';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The lock of the system at `root` (/run/ltspcfg-ts/apply.lock for the live one). */
export function lockPath(root: string): string {
  const uid = process.getuid?.() ?? 0;
  const dir = uid === 0 ? '/run/ltspcfg-ts' : join(process.env.XDG_RUNTIME_DIR ?? tmpdir(), `ltspcfg-ts-${uid}`);
  return join(dir, root === '/' ? 'apply.lock' : `apply-${sha256(root).slice(0, 16)}.lock`);
}

export class LockBusyError extends Error {
  constructor(readonly path: string, readonly holder: number) {
    super(`another ltspcfg-ts apply (pid ${holder}) holds ${path}`);
  }
}

export interface Lock {
  /** when the lock was taken (ms since the epoch): temp files older than this are stale */
  since: number;
  /** another apply held it first: what was read before may have changed */
  waited: boolean;
  release(): void;
}

/** The start time of a process (clock ticks since boot), to tell a reused pid apart; null when gone. */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: count from the last ")"
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function alive(pid: number, started: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const now = startTime(pid);
  return now === null || started === undefined || now === started;
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Takes the lock at `path` (already under --root), waiting up to waitMs for a
 * live holder. Throws LockBusyError naming the holder when it does not let go.
 */
export function acquireLock(path: string, waitMs = 5000): Lock {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const me = `${process.pid} ${startTime(process.pid) ?? ''}\n`;
  // written whole under a name of our own, then linked into place: a reader never sees half a lock
  const mine = `${path}.${process.pid}`;
  const fd = openSync(mine, 'w', 0o644);
  try {
    writeSync(fd, me);
  } finally {
    closeSync(fd);
  }
  const deadline = Date.now() + waitMs;
  let waited = false;
  try {
    for (;;) {
      try {
        linkSync(mine, path);
        const since = Date.now();
        return {
          since,
          waited,
          release: () => {
            try {
              unlinkSync(path);
            } catch {
              // already gone
            }
          },
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      let holder = 0;
      let started: string | undefined;
      let ino = 0;
      try {
        ino = lstatSync(path).ino;
        // read without blocking, regular files only: a FIFO or a directory there would hold every apply forever
        [holder, started] = (readRegularFile(path, 4096).toString('utf8').trim().split(' ') as [string, string]).map((x, i) => (i === 0 ? Number(x) : x)) as [number, string];
      } catch (e) {
        const why = (e as Error).message;
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // released between link and read: try again
        throw new Problem(`cannot take the apply lock ${path}: ${why}; expected a lock file of ltspcfg-ts (remove what is there when no apply runs)`);
      }
      if (!Number.isInteger(holder) || holder <= 0 || !alive(holder, started)) {
        // the holder is gone (or the file is damaged): take it over, unless it changed meanwhile
        try {
          if (lstatSync(path).ino === ino) unlinkSync(path);
        } catch {
          // someone else took it over first
        }
        continue;
      }
      if (Date.now() >= deadline) throw new LockBusyError(path, holder);
      waited = true;
      sleep(100);
    }
  } finally {
    try {
      unlinkSync(mine);
    } catch {
      // gone
    }
  }
}
