// What a run made of one site.toml, kept so that the next run on the unchanged
// file does not parse and validate it again: `get`'s answers, and the validated
// Site that `render` plans from (the services call both at every start). Used
// only for the very bytes it was made from (compared whole, not by a hash), by
// the very bundle that validated them (its code cache key: build hash, node),
// at the same --config and --root, while the TFTP root still leads where it led
// (the one rule that looks at the disk). A site.toml that does not validate is
// never kept: a run on it exits 2 as always. Like the code cache, a file that
// is not this user's or root's, or that others may read or write, is not used,
// and one that does not fit is made again; it is written 0600 (it holds the site).
import { closeSync, fstatSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

const MAGIC = 'ltspcfg-ts site cache 2';

/** Where the cache lives and what it must have been made by (the launcher's key of the running bundle). */
export interface SiteCacheRef {
  dir: string;
  key: string;
}

/** How the launcher hands the bundle it runs a SiteCacheRef (globalThis[SITE_CACHE]). */
export const SITE_CACHE = Symbol.for('ltspcfg-ts.site-cache');

/** The SiteCacheRef of this run: set by the launcher, absent with LTSPCFG_CODE_CACHE=off or without it. */
export function siteCacheRef(): SiteCacheRef | undefined {
  return (globalThis as { [SITE_CACHE]?: SiteCacheRef })[SITE_CACHE];
}

/** What is kept: `get`'s answers, or the validated Site. */
export type KeptKind = 'get' | 'site';

interface Entry<T> {
  /** site.tftp.root, and where it led on the configured system (null: absent) */
  tftpRoot: string;
  tftpReal: string | null;
  kept: T;
}

interface Header {
  magic: string;
  kind: KeptKind;
  key: string;
  /** --config as given (a Site names it in generated files) and --root */
  config: string;
  root: string;
  size: number;
}

/** FNV-1a of a string: a short, stable file name for a --config and --root. */
function nameHash(text: string): string {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16).padStart(8, '0');
}

// one kept file per kind, site file (made absolute) and --root: a new site replaces the old
function cacheFile(ref: SiteCacheRef, kind: KeptKind, config: string, root: string): string {
  return join(ref.dir, `ltspcfg-ts-site-${kind}-${nameHash(`${resolve(config)}\0${root}`)}.json`);
}

/** What was kept for these site bytes, or null. `realPath` tells where the TFTP root leads now. */
export function readKept<T>(ref: SiteCacheRef, kind: KeptKind, config: string, root: string, site: Buffer, realPath: (p: string) => string | null): T | null {
  let fd: number;
  try {
    fd = openSync(cacheFile(ref, kind, config, root), 'r');
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    const uid = process.geteuid?.() ?? 0;
    if (!st.isFile() || (st.uid !== uid && st.uid !== 0) || (st.mode & 0o077) !== 0) return null;
    const file = readFileSync(fd);
    const nl = file.indexOf(10);
    if (nl < 0) return null;
    const h = JSON.parse(file.subarray(0, nl).toString('utf8')) as Header;
    if (h.magic !== MAGIC || h.kind !== kind || h.key !== ref.key || h.config !== config || h.root !== root || h.size !== site.length) return null;
    const start = nl + 1;
    if (file.length < start + site.length || !file.subarray(start, start + site.length).equals(site)) return null;
    const entry = JSON.parse(file.subarray(start + site.length).toString('utf8')) as Entry<T>;
    if (typeof entry.tftpRoot !== 'string' || realPath(entry.tftpRoot) !== entry.tftpReal) return null;
    return entry.kept;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/**
 * JSON that gives back these values (strings, finite numbers, booleans, null, arrays, plain
 * objects, whose unset keys it leaves out), or null when it would not.
 */
function faithfulJson(value: unknown): string | null {
  let faithful = true;
  const text = JSON.stringify(value, function (this: unknown, _k: string, v: unknown) {
    if (typeof v === 'number' && !Number.isFinite(v)) faithful = false;
    else if (v === undefined && Array.isArray(this)) faithful = false;
    else if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) faithful = false;
    else if (typeof v === 'bigint' || typeof v === 'function' || typeof v === 'symbol') faithful = false;
    return v;
  });
  return faithful ? text : null;
}

/** Keeps what was made of these site bytes (atomically, replacing the previous site's). Errors are ignored. */
export function writeKept<T>(ref: SiteCacheRef, kind: KeptKind, config: string, root: string, site: Buffer, entry: Entry<T>): void {
  let payload: string | null;
  try {
    payload = faithfulJson(entry);
  } catch {
    return;
  }
  if (payload === null) return;
  const file = cacheFile(ref, kind, config, root);
  const tmp = join(ref.dir, `.${basename(file)}.${process.pid}.tmp`);
  const header: Header = { magic: MAGIC, kind, key: ref.key, config, root, size: site.length };
  try {
    writeFileSync(tmp, Buffer.concat([Buffer.from(JSON.stringify(header) + '\n'), site, Buffer.from(payload)]), { mode: 0o600, flag: 'wx' });
    renameSync(tmp, file);
  } catch {
    try { unlinkSync(tmp); } catch { /* not made */ }
  }
}
