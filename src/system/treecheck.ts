// Reads a tree (the TFTP root) the way tftpd-hpa will serve it: which files it
// would refuse because they are not world-readable, which directories it
// cannot enter. Reading only, never following a symlink, never leaving the
// root's filesystem, and bounded in entries so that a huge tree stays quick.
// What the fix would repair and what it leaves alone is tree.ts's treeRule.
import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { treeRule } from './tree';

export interface TreeCheck {
  /** entries looked at */
  seen: number;
  /** files without o+r and directories without o+rx */
  unreadable: number;
  /** the first of them, relative to the root, for the message */
  example?: string;
  /** unreadable files the fix leaves alone (hard-linked: their other names may lie outside the tree) */
  stuck: number;
  /** the first of those */
  stuckExample?: string;
  /** the walk stopped at the limit */
  truncated: boolean;
}

/** Null when absRoot is not a directory. */
export function checkTree(absRoot: string, limit = 50_000): TreeCheck | null {
  let rootStat: Stats;
  try {
    rootStat = lstatSync(absRoot);
  } catch {
    return null;
  }
  if (!rootStat.isDirectory()) return null;
  const result: TreeCheck = { seen: 0, unreadable: 0, stuck: 0, truncated: false };
  const bad = (rel: string) => {
    result.unreadable++;
    result.example ??= rel || '.';
  };
  const pending: [string, string, Stats][] = [[absRoot, '', rootStat]];
  while (pending.length) {
    const [dir, rel, st] = pending.pop()!;
    result.seen++;
    if ((st.mode & 0o005) !== 0o005) {
      bad(rel);
      continue; // tftpd cannot look inside it anyway
    }
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      if (result.seen >= limit) {
        result.truncated = true;
        return result;
      }
      const path = join(dir, name);
      const relPath = rel ? `${rel}/${name}` : name;
      let entry: Stats;
      try {
        entry = lstatSync(path);
      } catch {
        continue;
      }
      const action = treeRule(entry, rootStat.dev);
      if (action === 'dir') {
        pending.push([path, relPath, entry]);
        continue;
      }
      if (entry.isDirectory()) continue; // another filesystem: neither read nor fixed
      result.seen++;
      if (!entry.isFile() || (entry.mode & 0o004) !== 0) continue;
      if (action === 'file') bad(relPath);
      else {
        result.stuck++;
        result.stuckExample ??= relPath;
      }
    }
  }
  return result;
}
