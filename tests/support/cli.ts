// Runs the bundled CLI as an admin would, and fingerprints staged roots.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(__dirname, '../..');
export const CLI = join(REPO, 'dist/ltspcfg-ts.js');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI (another copy of the launcher with `cli`). */
export function ltspcfg(args: string[], opts: SpawnSyncOptions = {}, cli = CLI): Run {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: REPO, timeout: 60_000, ...opts, env: { ...process.env, NO_COLOR: '1', ...(opts.env ?? {}) } });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

export function scratch(prefix = 'ltspcfg-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A hash of every path, type, mode, owner, size, mtime and content under dir. */
export function hashTree(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      h.update(`${p.slice(dir.length)}\0${st.mode}\0${st.uid}:${st.gid}\0${st.size}\0${st.mtimeMs}\0`);
      if (st.isSymbolicLink()) h.update(readlinkSync(p));
      else if (st.isDirectory()) walk(p);
      else if (st.isFile()) h.update(readFileSync(p)); // a FIFO is not read: that would wait for a writer
    }
  };
  walk(dir);
  return h.digest('hex');
}
