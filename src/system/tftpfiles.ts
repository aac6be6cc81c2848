// The files under the TFTP root that a client's request maps to, for the
// diagnoses of TFTP errors. in.tftpd -s chroots into the root, so "x" and "/x"
// both name ROOT/x. Every walk is bounded: a tree of any size answers quickly.
import { lstatSync, readdirSync } from 'node:fs';
import { join, posix } from 'node:path';

const MAX_ENTRIES = 5000;

/** "/lts/vmlinuz" under the root, normalized without leaving it. */
function inRoot(asked: string): string {
  return posix.normalize('/' + asked.replace(/\\/g, '/')).replace(/^(\/\.\.)+/, '') || '/';
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length];
}

/**
 * The existing file nearest to what was asked, as a path under the root ("/lts/vmlinuz"):
 * the same name elsewhere in the tree, else the most similar name in the nearest
 * existing directory on its way. Null when the root holds nothing like it.
 */
export function nearestFile(root: string, asked: string): string | null {
  const rel = inRoot(asked);
  const base = posix.basename(rel);
  // breadth-first: the same file name anywhere (a kernel put in / instead of /lts)
  const queue = ['/'];
  let seen = 0;
  let best: { path: string; score: number } | null = null;
  while (queue.length && seen < MAX_ENTRIES) {
    const dir = queue.shift() as string;
    let names: string[];
    try {
      names = readdirSync(join(root, dir));
    } catch {
      continue;
    }
    for (const n of names) {
      if (++seen > MAX_ENTRIES) break;
      const p = posix.join(dir, n);
      let isDir = false;
      try {
        const st = lstatSync(join(root, p));
        isDir = st.isDirectory();
        if (!isDir && !st.isFile()) continue;
      } catch {
        continue;
      }
      if (isDir) {
        queue.push(p);
        continue;
      }
      // same name: 0; otherwise the name's edit distance, plus one per directory level apart
      // a versioned name of what was asked ("vmlinuz-6.1.0-28-amd64" for "vmlinuz") counts as close
      const apart = posix.dirname(p) === posix.dirname(rel) ? 0 : 1;
      const score = n === base ? 0 : (n.startsWith(base) || base.startsWith(n) ? 1 : distance(n, base)) + apart;
      if (score <= Math.max(2, Math.floor(base.length / 2)) && (!best || score < best.score)) best = { path: p, score };
    }
  }
  return best?.path ?? null;
}

/** The file a request maps to (shown under the configured root) and its owner and mode, when it exists. */
export function tftpFileInfo(root: string, shownRoot: string, asked: string): { path: string; stat: string | null } {
  const rel = inRoot(asked);
  const path = posix.join(shownRoot, rel);
  try {
    const st = lstatSync(join(root, rel));
    const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
    return { path, stat: `mode ${mode}, owner uid ${st.uid} gid ${st.gid}${st.mode & 0o004 ? '' : ', not readable by others'}` };
  } catch {
    return { path, stat: null };
  }
}
