// Hands a tree (the TFTP root) to an unprivileged user: every directory and
// regular file below it owned by uid:gid, files readable by all (tftpd-hpa
// refuses files without o+r unless run with -p), directories traversable.
//
// It never follows a symlink and never changes anything outside the tree:
// - a symlink is lchown'ed itself; what it points at is left alone;
// - files and directories are changed through a descriptor opened with
//   O_NOFOLLOW, checked to be the entry seen by lstat, and (where /proc is
//   mounted) checked to still lie inside the tree: a directory swapped for a
//   symlink between the walk and the change is caught and skipped;
// - it stays on the root's filesystem (like find -xdev): a mount below the
//   root (a bind-mounted NFS root, say) is neither entered nor changed;
// - device nodes, FIFOs and sockets are left alone: handing a device node to
//   the TFTP user would hand it the device;
// - a regular file with more than one hard link is left alone: its other
//   names may lie outside the tree (/etc/shadow linked in on the same fs).
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  lchownSync,
  lstatSync,
  openSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  type Stats,
} from 'node:fs';
import { isAbsolute, join } from 'node:path';

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

const procFd = (() => {
  try {
    return lstatSync('/proc/self/fd').isDirectory();
  } catch {
    return false;
  }
})();

/**
 * Gives the tree at absRoot to uid:gid (see the top of this file for what is
 * and is not touched). The root must be a real directory, not a symlink.
 * Throws when the root is unusable; problems with single entries are counted
 * in `skipped`, not thrown.
 */
export function fixTree(absRoot: string, uid: number, gid: number): TreeResult {
  if (!isAbsolute(absRoot)) throw new Error(`${absRoot}: the tree root must be an absolute path`);
  if (!Number.isInteger(uid) || uid < 0 || !Number.isInteger(gid) || gid < 0)
    throw new Error(`${absRoot}: invalid owner ${uid}:${gid}`);
  const rootStat = lstatSync(absRoot);
  if (rootStat.isSymbolicLink())
    throw new Error(`${absRoot} is a symbolic link; name the directory it points at (${realpathSync(absRoot)}) instead`);
  if (!rootStat.isDirectory()) throw new Error(`${absRoot} is not a directory`);
  const realRoot = realpathSync(absRoot);
  const result: TreeResult = { changed: 0, seen: 0, skipped: 0 };

  /** still inside the tree, judged by where the descriptor really is */
  const inside = (fd: number, isRoot: boolean): boolean => {
    if (!procFd) return true;
    let where: string;
    try {
      where = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return true;
    }
    return isRoot ? where === realRoot : where.startsWith(realRoot === '/' ? '/' : realRoot + '/');
  };

  /** changes one file or directory through an O_NOFOLLOW descriptor; false when it must be skipped */
  const fix = (path: string, seen: Stats, isRoot: boolean): boolean => {
    const dir = seen.isDirectory();
    const flags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | (dir ? constants.O_DIRECTORY : 0);
    let fd: number;
    try {
      fd = openSync(path, flags);
    } catch {
      return false; // gone, replaced by a symlink, or unreadable: leave it
    }
    try {
      const now = fstatSync(fd);
      if (now.dev !== seen.dev || now.ino !== seen.ino || now.isDirectory() !== dir || (!dir && now.nlink > 1)) return false;
      if (!inside(fd, isRoot)) return false;
      let changed = false;
      if (now.uid !== uid || now.gid !== gid) {
        fchownSync(fd, uid, gid);
        changed = true;
      }
      const bits = dir ? DIR_BITS : FILE_BITS;
      // read the mode again: chown by root clears set-id bits of files
      const mode = (changed ? fstatSync(fd).mode : now.mode) & 0o7777;
      if ((mode & bits) !== bits) {
        fchmodSync(fd, mode | bits);
        changed = true;
      }
      if (changed) result.changed++;
      return true;
    } finally {
      closeSync(fd);
    }
  };

  const walk = (dir: string, dirStat: Stats, isRoot: boolean): void => {
    result.seen++;
    if (!fix(dir, dirStat, isRoot)) {
      result.skipped++;
      return;
    }
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names.sort()) {
      const path = join(dir, name);
      let st: Stats;
      try {
        st = lstatSync(path);
      } catch {
        continue; // removed during the walk
      }
      if (st.isDirectory()) {
        if (st.dev !== rootStat.dev) {
          result.seen++;
          result.skipped++;
          continue;
        }
        walk(path, st, false);
      } else if (st.isSymbolicLink()) {
        result.seen++;
        if (st.uid !== uid || st.gid !== gid) {
          try {
            lchownSync(path, uid, gid);
            result.changed++;
          } catch {
            result.skipped++;
          }
        }
      } else if (st.isFile()) {
        result.seen++;
        if (st.dev !== rootStat.dev || st.nlink > 1 || !fix(path, st, false)) result.skipped++;
      } else {
        result.seen++;
        result.skipped++;
      }
    }
  };

  walk(absRoot, rootStat, true);
  return result;
}
