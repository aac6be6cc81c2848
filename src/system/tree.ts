// Hands a tree (the TFTP root) to an unprivileged user: every directory and
// regular file below it owned by uid:gid, files readable by all (tftpd-hpa
// refuses files without o+r unless run with -p), directories traversable,
// setuid and setgid bits cleared (nothing served over TFTP needs them, and a
// setuid file owned by the TFTP user would run as that user).
//
// It never follows a symlink and never changes anything outside the tree,
// even while a user who owns a directory inside swaps it for a symlink:
// - the walk goes by file descriptor end to end. Each entry is opened once,
//   O_PATH|O_NOFOLLOW, relative to its parent's descriptor (through
//   /proc/self/fd/N/NAME, which resolves N as the open directory itself, not
//   by path); the entry is listed, stat'ed, chowned and chmod'ed through that
//   descriptor only, so no path is resolved twice;
// - a symlink is lchown'ed itself; what it points at is left alone;
// - it stays on the root's filesystem (like find -xdev);
// - treeRule (below) says what is left alone, for this fix and for status.
import { chmodSync, chownSync, closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, type Stats } from 'node:fs';
import { isAbsolute } from 'node:path';

export interface TreeResult {
  /** entries whose owner, group or mode this call changed */
  changed: number;
  /** entries looked at, the root included */
  seen: number;
  /** entries left alone: other filesystems, special files, hard-linked files, entries that moved during the walk */
  skipped: number;
}

const FILE_BITS = 0o444; // r for owner, group and others
const DIR_BITS = 0o555; // r and x for owner, group and others
const SET_ID = 0o6000; // setuid and setgid

/** Linux's O_PATH: a descriptor that names an inode without opening it (no device side effects). */
const O_PATH = 0o10000000;

/**
 * What the fix does with one entry, from its lstat/fstat. One rule for the fix
 * and for `status`, so that status never advises a fix that leaves the entry alone.
 * - hard-linked: a regular file with more than one name; the others may lie
 *   outside the tree (/etc/shadow linked in on the same filesystem);
 * - other-fs: a mount below the root (a bind-mounted NFS root, say);
 * - special: device nodes, FIFOs, sockets (a device node given to the TFTP user gives it the device).
 */
export type TreeAction = 'dir' | 'file' | 'symlink' | 'hard-linked' | 'other-fs' | 'special';

export function treeRule(st: Stats, rootDev: number): TreeAction {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.dev !== rootDev) return 'other-fs';
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return st.nlink > 1 ? 'hard-linked' : 'file';
  return 'special';
}

/** What the fix would make of a mode (file or directory): readable, traversable, no set-id bits. */
export function fixedMode(mode: number, dir: boolean): number {
  return ((mode & 0o7777) | (dir ? DIR_BITS : FILE_BITS)) & ~SET_ID;
}

const fdPath = (fd: number, name?: string) => (name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`);

/** Why a tree root that is a symbolic link is refused (by the fix, and by apply's plan before it). */
export function symlinkRootProblem(root: string): string {
  return `${root} is a symbolic link; name the directory it points at instead`;
}

/** True when path itself is a symbolic link (a missing path is not). */
export function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * Gives the tree at absRoot to uid:gid (see the top of this file for what is
 * and is not touched). The root must be a real directory, not a symlink, and
 * /proc must be mounted. Throws when the root is unusable; problems with single
 * entries are counted in `skipped`, not thrown.
 */
export function fixTree(absRoot: string, uid: number, gid: number): TreeResult {
  if (!isAbsolute(absRoot)) throw new Error(`${absRoot}: the tree root must be an absolute path`);
  if (!Number.isInteger(uid) || uid < 0 || !Number.isInteger(gid) || gid < 0) throw new Error(`${absRoot}: invalid owner ${uid}:${gid}`);
  let rootFd: number;
  try {
    rootFd = openSync(absRoot, O_PATH | constants.O_NOFOLLOW | constants.O_DIRECTORY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    let link = false;
    try {
      link = lstatSync(absRoot).isSymbolicLink();
    } catch {
      // gone: the open's own error says so
    }
    if (link || code === 'ELOOP') throw new Error(symlinkRootProblem(absRoot));
    if (code === 'ENOTDIR') throw new Error(`${absRoot} is not a directory`);
    throw e;
  }
  const result: TreeResult = { changed: 0, seen: 0, skipped: 0 };
  try {
    try {
      fstatSync(rootFd);
      readdirSync(fdPath(rootFd), { withFileTypes: false });
    } catch {
      throw new Error(`${absRoot}: /proc/self/fd is not available; the tree is walked by descriptor and needs /proc mounted`);
    }
    const rootDev = fstatSync(rootFd).dev;

    /** owner, group and mode through the descriptor; true when something changed */
    const fix = (fd: number, st: Stats, dir: boolean): boolean => {
      let changed = false;
      if (st.uid !== uid || st.gid !== gid) {
        chownSync(fdPath(fd), uid, gid);
        changed = true;
      }
      // read the mode again: chown by root clears the set-id bits of files
      const mode = (changed ? fstatSync(fd).mode : st.mode) & 0o7777;
      const want = fixedMode(mode, dir);
      if (mode !== want) {
        chmodSync(fdPath(fd), want);
        changed = true;
      }
      return changed;
    };

    const walk = (dirFd: number, dirStat: Stats): void => {
      result.seen++;
      if (fix(dirFd, dirStat, true)) result.changed++;
      let names: string[];
      try {
        names = readdirSync(fdPath(dirFd));
      } catch {
        return;
      }
      for (const name of names.sort()) {
        result.seen++;
        let fd: number;
        try {
          fd = openSync(fdPath(dirFd, name), O_PATH | constants.O_NOFOLLOW);
        } catch {
          result.skipped++; // removed during the walk
          continue;
        }
        try {
          const st = fstatSync(fd);
          switch (treeRule(st, rootDev)) {
            case 'dir':
              result.seen--; // walk counts it
              walk(fd, st);
              break;
            case 'file':
              if (fix(fd, st, false)) result.changed++;
              break;
            case 'symlink':
              if (st.uid !== uid || st.gid !== gid) {
                // the descriptor is the link itself (O_PATH|O_NOFOLLOW): chown through
                // /proc/self/fd/N lands on the link, never on its target
                chownSync(fdPath(fd), uid, gid);
                result.changed++;
              }
              break;
            default:
              result.skipped++;
          }
        } catch {
          result.skipped++;
        } finally {
          closeSync(fd);
        }
      }
    };

    walk(rootFd, fstatSync(rootFd));
  } finally {
    closeSync(rootFd);
  }
  return result;
}
