// What the last apply that wrote was made from, and what every file it left
// looked like, so that an apply with nothing to do can say so without parsing,
// validating and rendering the whole site again (make's idea: inputs unchanged
// and outputs untouched means nothing to do).
//
// Kept in /var/lib/ltsp-ts/stamp.json beside the state. It records:
// - the inputs of the plan: the sha256 of site.toml's bytes, the build (the
//   launcher's code-cache key of the running bundle, which names its build
//   hash, size, mtime, inode and node; the bundle's own sha256 when it runs
//   without the launcher), the platform detected, where the TFTP root
//   leads (the one thing validation reads from the disk), and per target its
//   notes and how many items it plans;
// - the outputs and the external inputs, each by stat (device, inode, size,
//   mtime, ctime) and sha256: state.json, every managed file, every file a copy
//   came from, and the candidates tried before it (which must stay absent);
//   the directories and trees planned.
//
// An entry is trusted by its stat only when the stat was taken together with
// the bytes it describes (one descriptor: fstat, then read and compare) and its
// ctime is older than RACY_MS before that: any later change then gets a later
// ctime, which no one can set by hand (git's "racy clean" problem; the kernel
// stamps files with a clock that may lag by a tick). A younger entry is racy:
// its file is hashed instead. A stamp that is missing, damaged, from another
// build or that disagrees with anything sends apply down its ordinary path,
// which is always right; the stamp only ever lets apply skip work.
//
// apply removes the stamp before it writes anything (a run killed halfway
// leaves none) and writes a new one after a run that wrote and left every
// planned file current. A run that writes nothing never writes a stamp.
import { closeSync, fstatSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import type { Platform } from '../targets/types';
import type { SystemRoot } from './fsroot';
import type { FileStatus, Inspection } from './inspect';
import { BACKUP_DIR, STATE_FILE } from './state';
import { sha256 } from './sha256';
import { readRegularFile } from './sitefile';
import { siteCacheRef } from './site-cache';

export const STAMP_FILE = '/var/lib/ltsp-ts/stamp.json';
const MAX_STAMP_BYTES = 64 * 1024 * 1024;
/** more than a tick of the kernel's coarse clock (HZ=100: 10 ms), with room */
const RACY_MS = 40;
/** racy bytes beyond which the writing run waits out RACY_MS and looks again, so later runs stat instead of hashing */
const RACY_WAIT_BYTES = 256 * 1024;

/** path on this machine, dev, ino, size, mtimeMs, ctimeMs, sha256, 1 when racy */
type Snap = [string, number, number, number, number, number, string, 0 | 1];

interface TargetStamp {
  /** items planned (all current when the stamp was made) */
  items: number;
  notes: string[];
  files: Snap[];
  /** files copies came from, and the candidates before them that did not exist */
  sources: Snap[];
  absent: string[];
  dirs: string[];
  trees: { path: string; owner: string; group: string }[];
  /** where its files and their backups go: where a temporary file of an interrupted apply may lie */
  writeDirs: string[];
}

interface Stamp {
  version: 1;
  build: string;
  site: string;
  platform: string;
  tftp: { root: string; real: string | null };
  state: Snap;
  targets: Record<string, TargetStamp>;
}

let build: string | null | undefined;

/**
 * The running build: the key under which the launcher keeps this bundle's code
 * cache (it already names the build: no need to read and hash the bundle again
 * at every apply), else the sha256 of the bundle this code runs from. Null when
 * it does not run from one (tsx on the sources): then no stamp is made or used.
 */
export function buildIdentity(): string | null {
  if (build === undefined) {
    try {
      const fromBundle = /\.bundle\.js$|ltspcfg-ts\.js$/.test(__filename);
      const launched = siteCacheRef()?.key;
      build = !fromBundle ? null : launched ? `launcher ${launched}` : sha256(readFileSync(__filename));
    } catch {
      build = null;
    }
  }
  return build;
}

function snapOf(path: string, st: Stats, sha: string, since: number): Snap {
  return [path, st.dev, st.ino, st.size, st.mtimeMs, st.ctimeMs, sha, st.ctimeMs >= since - RACY_MS ? 1 : 0];
}

/** Reads path through one descriptor; its snap when its bytes hash to sha (or equal `expect`), else null. */
function snapRead(path: string, sha: string, since: number, expect?: Buffer): Snap | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return null;
    const bytes = readFileSync(fd);
    if (expect ? !bytes.equals(expect) : sha256(bytes) !== sha) return null;
    return snapOf(path, st, sha, since);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** True when the file at the snap's path is still what the snap recorded. */
function unchanged(s: Snap): boolean {
  const [path, dev, ino, size, mtimeMs, ctimeMs, sha, racy] = s;
  let st: Stats | undefined;
  try {
    st = statSync(path, { throwIfNoEntry: false });
  } catch {
    return false;
  }
  if (!st || !st.isFile() || st.dev !== dev || st.ino !== ino || st.size !== size || st.mtimeMs !== mtimeMs || st.ctimeMs !== ctimeMs) return false;
  return racy === 0 || snapRead(path, sha, 0) !== null;
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Removes the stamp: called before apply writes anything. */
export function dropStamp(sys: SystemRoot): void {
  try {
    unlinkSync(sys.path(STAMP_FILE));
  } catch {
    // none
  }
}

export interface StampInput {
  sys: SystemRoot;
  siteSha: string;
  platform: Platform;
  tftpRoot: string;
  /** the targets inspected, by name */
  targets: string[];
  inspection: Inspection;
  /** the files this run wrote */
  written: Set<FileStatus>;
  /** the bytes of state.json this run wrote */
  state: Buffer;
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Records the stamp after a run that wrote and left every planned item
 * current (no leftovers, nothing unavailable). Writes nothing when any file is
 * not what the run left (changed meanwhile): the next run then plans in full.
 * A stamp is a hint: failing to write one is no error.
 */
export function recordStamp(input: StampInput): void {
  const { sys, inspection } = input;
  const build = buildIdentity();
  if (!build) return;
  try {
    const since = Date.now();
    const state = snapRead(sys.path(STATE_FILE), sha256(input.state), since, input.state);
    if (!state) return;
    const targets: Record<string, TargetStamp> = Object.create(null);
    const section = (name: string) => (targets[name] ??= { items: 0, notes: [], files: [], sources: [], absent: [], dirs: [], trees: [], writeDirs: [] });
    for (const name of input.targets) section(name);
    const snaps: Snap[] = [state];
    for (const f of inspection.files) {
      const t = section(f.target);
      t.items++;
      const path = sys.path(f.path);
      if (f.kind === 'dir') {
        t.dirs.push(path);
        continue;
      }
      if (f.kind === 'tree') {
        t.trees.push({ path: f.path, owner: f.owner!, group: f.group! });
        continue;
      }
      if (!f.desired) return;
      for (const d of [dirname(path), dirname(sys.path(BACKUP_DIR + f.path))]) if (!t.writeDirs.includes(d)) t.writeDirs.push(d);
      const sha = f.kind === 'edit' ? sha256(f.desired) : f.recordSha!;
      let snap: Snap | null;
      if (input.written.has(f)) snap = snapRead(path, sha, since, f.desired);
      else if (f.state === 'current' && f.seen) snap = snapOf(path, f.seen, sha, inspection.readSince);
      else return;
      if (!snap) return;
      t.files.push(snap);
      snaps.push(snap);
      if (f.kind === 'copy') {
        if (!f.source || !f.sourceSeen) return;
        const source = snapOf(f.source, f.sourceSeen, f.recordSha!, inspection.readSince);
        t.sources.push(source);
        snaps.push(source);
        t.absent.push(...(f.sourceMisses ?? []));
      }
    }
    for (const n of inspection.notes) section(n.target).notes.push(n.text);
    // files written just now are racy; when they are many bytes, wait once and look again
    const racyBytes = snaps.reduce((sum, s) => sum + (s[7] ? s[3] : 0), 0);
    if (racyBytes > RACY_WAIT_BYTES) {
      sleep(RACY_MS + 5);
      const again = Date.now();
      for (const s of snaps) {
        if (!s[7]) continue;
        const fresh = snapRead(s[0], s[6], again);
        if (!fresh) return;
        s.splice(0, s.length, ...fresh);
      }
    }
    const stamp: Stamp = {
      version: 1,
      build,
      site: input.siteSha,
      platform: JSON.stringify(input.platform),
      tftp: { root: input.tftpRoot, real: sys.realPath(input.tftpRoot) },
      state,
      targets,
    };
    const where = sys.path(STAMP_FILE);
    const tmp = join(dirname(where), `.${basename(where)}.${process.pid}.tmp`);
    try {
      writeFileSync(tmp, JSON.stringify(stamp), { mode: 0o644, flag: 'wx' });
      renameSync(tmp, where);
    } catch {
      try { unlinkSync(tmp); } catch { /* not made */ }
    }
  } catch {
    // no stamp this time
  }
}

export interface NothingToDo {
  /** items planned, all current */
  items: number;
  notes: { target: string; text: string }[];
  trees: { path: string; owner: string; group: string }[];
  /** the directories apply would write in, as apply orders them */
  writeDirs: string[];
}

export interface StampQuery {
  sys: SystemRoot;
  /** the bytes of site.toml as read now */
  site: Buffer;
  platform: () => Platform;
  /** the targets asked for, in order */
  targets: string[];
}

/**
 * What the stamp says when it proves that apply of these targets has nothing
 * to do: the same site, build and platform as when it was made, and every file
 * it recorded untouched. Null whenever it cannot say (then plan in full).
 */
export function stampedNothingToDo(q: StampQuery): NothingToDo | null {
  try {
    const where = q.sys.path(STAMP_FILE);
    // no stamp (a first apply, or the last one wrote nothing): nothing more to read
    const bytes = readRegularFile(where, MAX_STAMP_BYTES);
    const build = buildIdentity();
    if (!build) return null;
    // it names a tree to hand over: only root's (or this user's), writable by no one else
    const st = statSync(where);
    const uid = process.geteuid?.() ?? 0;
    if ((st.uid !== uid && st.uid !== 0) || (st.mode & 0o022) !== 0) return null;
    const stamp = JSON.parse(bytes.toString('utf8')) as Stamp;
    if (stamp.version !== 1 || stamp.build !== build || typeof stamp.targets !== 'object' || stamp.targets === null) return null;
    if (!q.targets.every((t) => Object.prototype.hasOwnProperty.call(stamp.targets, t))) return null;
    if (stamp.site !== sha256(q.site)) return null;
    if (q.sys.realPath(stamp.tftp.root) !== stamp.tftp.real) return null;
    if (stamp.platform !== JSON.stringify(q.platform())) return null;
    if (!unchanged(stamp.state)) return null;
    const writeDirs = new Set([dirname(q.sys.path(STATE_FILE))]);
    const result: NothingToDo = { items: 0, notes: [], trees: [], writeDirs: [] };
    for (const name of q.targets) {
      const t = stamp.targets[name];
      if (!t.files.every(unchanged) || !t.sources.every(unchanged) || t.absent.some(exists) || !t.dirs.every(isDirectory)) return null;
      if (!t.trees.every((tree) => tree.path.startsWith('/') && isDirectory(q.sys.path(tree.path)))) return null;
      result.items += t.items;
      for (const text of t.notes) result.notes.push({ target: name, text });
      result.trees.push(...t.trees);
      for (const d of t.writeDirs) writeDirs.add(d);
    }
    result.writeDirs = [...writeDirs];
    return result;
  } catch {
    return null;
  }
}
