// The answers of `get` for one site.toml, kept so that the services' next `get`
// does not parse and validate an unchanged file again. Used only for the very
// bytes it was made from (compared whole, not by a hash), by the very get bundle
// that validated them (its code cache key: build hash, node), at the same
// --config and --root, while the TFTP root still leads where it led (the one
// rule that looks at the disk). A site.toml that does not validate is never
// kept: `get` on it exits 2 as always. Like the code cache, a file that is not
// this user's or root's, or that others may read or write, is not used, and one
// that does not fit is made again; it is written 0600 (it holds the site).
import { closeSync, fstatSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

const MAGIC = 'ltspcfg-ts site cache 1';

/** What `get` answers from: the schema-checked tables and the keys derived from the validated site. */
export interface GetAnswers {
  values: Record<string, unknown>;
  /** `get` output of the keys whose value comes from the validated site (tftp.address, ...) */
  derived: Record<string, string>;
}

/** Where the cache lives and what it must have been made by (the launcher's key of the get bundle). */
export interface SiteCacheRef {
  dir: string;
  key: string;
}

/** How the launcher hands the get bundle its SiteCacheRef (globalThis[SITE_CACHE]). */
export const SITE_CACHE = Symbol.for('ltspcfg-ts.site-cache');

interface Entry extends GetAnswers {
  /** site.tftp.root, and where it led on the configured system (null: absent) */
  tftpRoot: string;
  tftpReal: string | null;
}

interface Header {
  magic: string;
  key: string;
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

const PREFIX = 'ltspcfg-ts-site-';

function cacheFile(ref: SiteCacheRef, config: string, root: string): string {
  return join(ref.dir, `${PREFIX}${nameHash(`${config}\0${root}`)}.json`);
}

// The answers depend on the bytes and the TFTP root's real path alone (both checked);
// --config and --root (made absolute) name the kept file, one a site file.

/**
 * The answers kept for these site bytes, or null. `realPath` tells where the TFTP root leads now.
 */
export function readSiteCache(ref: SiteCacheRef, configPath: string, root: string, site: Buffer, realPath: (p: string) => string | null): GetAnswers | null {
  const config = resolve(configPath);
  let fd: number;
  try {
    fd = openSync(cacheFile(ref, config, root), 'r');
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
    if (h.magic !== MAGIC || h.key !== ref.key || h.config !== config || h.root !== root || h.size !== site.length) return null;
    const start = nl + 1;
    if (file.length < start + site.length || !file.subarray(start, start + site.length).equals(site)) return null;
    const entry = JSON.parse(file.subarray(start + site.length).toString('utf8')) as Entry;
    if (typeof entry.tftpRoot !== 'string' || realPath(entry.tftpRoot) !== entry.tftpReal) return null;
    return { values: entry.values, derived: entry.derived };
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** JSON that gives back exactly these values (strings, finite numbers, booleans, arrays, plain tables), or null. */
function faithfulJson(value: unknown): string | null {
  let faithful = true;
  const text = JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) faithful = false;
    else if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) faithful = false;
    else if (typeof v === 'bigint' || typeof v === 'undefined' || typeof v === 'function' || typeof v === 'symbol') faithful = false;
    return v;
  });
  return faithful ? text : null;
}

/** Keeps the answers for these site bytes (atomically; the previous site's are replaced). Errors are ignored. */
export function writeSiteCache(ref: SiteCacheRef, configPath: string, root: string, site: Buffer, entry: Entry): void {
  const config = resolve(configPath);
  let payload: string | null;
  try {
    payload = faithfulJson(entry);
  } catch {
    return;
  }
  if (payload === null) return;
  const file = cacheFile(ref, config, root);
  const tmp = join(ref.dir, `.${basename(file)}.${process.pid}.tmp`);
  const header: Header = { magic: MAGIC, key: ref.key, config, root, size: site.length };
  try {
    writeFileSync(tmp, Buffer.concat([Buffer.from(JSON.stringify(header) + '\n'), site, Buffer.from(payload)]), { mode: 0o600, flag: 'wx' });
    renameSync(tmp, file);
  } catch {
    try { unlinkSync(tmp); } catch { /* not made */ }
  }
}
