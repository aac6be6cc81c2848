// Reads a tree (the TFTP root) the way tftpd-hpa will serve it: which files it
// would refuse because they are not world-readable, which directories it
// cannot enter. Reading only, never following a symlink, never leaving the
// root's filesystem, and bounded in entries so that a huge tree stays quick.
import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';

export interface TreeCheck {
  /** entries looked at */
  seen: number;
  /** files without o+r and directories without o+rx */
  unreadable: number;
  /** the first of them, relative to the root, for the message */
  example?: string;
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
  const result: TreeCheck = { seen: 0, unreadable: 0, truncated: false };
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
      if (entry.isDirectory()) {
        if (entry.dev === rootStat.dev) pending.push([path, relPath, entry]);
        continue;
      }
      result.seen++;
      if (entry.isFile() && (entry.mode & 0o004) === 0) bad(relPath);
    }
  }
  return result;
}
