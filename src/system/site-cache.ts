// What a run made of one site.toml, kept so that the next run on the unchanged
// file does not parse and validate it again: `get`'s answers, the validated
// Site that `render` and `apply` plan from, and what `render TARGET` printed
// (the services call `get` and `render` at every start; a kept render is
// answered by the launcher before the CLI is even loaded: src/render-fast.ts). Used
// only for the very bytes it was made from (compared whole, not by a hash), by
// the very bundle that validated them (its code cache key: build hash, node),
// at the same --config and --root, while the TFTP root still leads where it led
// (the one rule that looks at the disk). A site.toml that does not validate is
// never kept: a run on it exits 2 as always. Like the code cache, a file that
// is not this user's or root's, or that others may read or write, is not used,
// and one that does not fit is made again; it is written 0600 (it holds the site).
// A render is kept only when nothing but these read it: not when its target
// looked at the platform (the files under --root that say what the system
// runs), nor for an edit of another package's file (it depends on that file).
import { closeSync, fstatSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

const MAGIC = 'ltspcfg-ts site cache 3';

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

/** What is kept: `get`'s answers, the validated Site, or one rendered file. */
export type KeptKind = 'get' | 'site' | 'render';

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
  /** a render's: the target and --path (\"\" without), where the TFTP root led, the output's length */
  target?: string;
  path?: string;
  tftpRoot?: string;
  tftpReal?: string | null;
  outputSize?: number;
}

/** Which rendered file: a target and its --path ("" when none was given). */
export interface RenderedFile {
  target: string;
  path: string;
}

/** FNV-1a of a string: a short, stable file name for a --config and --root. */
function nameHash(text: string): string {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16).padStart(8, '0');
}

// one kept file per kind, site file (made absolute) and --root (and rendered file): a new site replaces the old
function cacheFile(ref: SiteCacheRef, kind: KeptKind, config: string, root: string, file?: RenderedFile): string {
  const which = file ? `\0${file.target}\0${file.path}` : '';
  return join(ref.dir, `ltspcfg-ts-site-${kind}-${nameHash(`${resolve(config)}\0${root}${which}`)}.json`);
}

/**
 * The bytes of a kept file this user may trust, whose header says it was made
 * by this build for this kind, --config and --root from `site`, and where they
 * start in it; null otherwise.
 */
function openKept(ref: SiteCacheRef, kind: KeptKind, config: string, root: string, site: Buffer, file?: RenderedFile): { header: Header; bytes: Buffer; rest: number } | null {
  let fd: number;
  try {
    fd = openSync(cacheFile(ref, kind, config, root, file), 'r');
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    const uid = process.geteuid?.() ?? 0;
    if (!st.isFile() || (st.uid !== uid && st.uid !== 0) || (st.mode & 0o077) !== 0) return null;
    const bytes = readFileSync(fd);
    const nl = bytes.indexOf(10);
    if (nl < 0) return null;
    const header = JSON.parse(bytes.subarray(0, nl).toString('utf8')) as Header;
    if (header.magic !== MAGIC || header.kind !== kind || header.key !== ref.key || header.config !== config || header.root !== root || header.size !== site.length) return null;
    const start = nl + 1;
    if (bytes.length < start + site.length || !bytes.subarray(start, start + site.length).equals(site)) return null;
    return { header, bytes, rest: start + site.length };
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** What `render` printed for these site bytes and this file, or null. `realPath` tells where the TFTP root leads now. */
export function readKeptRender(ref: SiteCacheRef, config: string, root: string, file: RenderedFile, site: Buffer, realPath: (p: string) => string | null): Buffer | null {
  const kept = openKept(ref, 'render', config, root, site, file);
  if (!kept) return null;
  const h = kept.header;
  if (h.target !== file.target || h.path !== file.path || typeof h.tftpRoot !== 'string' || kept.bytes.length !== kept.rest + (h.outputSize ?? -1)) return null;
  if (realPath(h.tftpRoot) !== h.tftpReal) return null;
  return kept.bytes.subarray(kept.rest);
}

/** Keeps what `render` printed for these site bytes (atomically, replacing the previous one). Errors are ignored. */
export function writeKeptRender(ref: SiteCacheRef, config: string, root: string, file: RenderedFile, site: Buffer, tftp: { root: string; real: string | null }, output: Buffer): void {
  const header: Header = { magic: MAGIC, kind: 'render', key: ref.key, config, root, size: site.length, target: file.target, path: file.path, tftpRoot: tftp.root, tftpReal: tftp.real, outputSize: output.length };
  writeAtomically(ref, cacheFile(ref, 'render', config, root, file), [Buffer.from(JSON.stringify(header) + '\n'), site, output]);
}

/** What was kept for these site bytes, or null. `realPath` tells where the TFTP root leads now. */
export function readKept<T>(ref: SiteCacheRef, kind: 'get' | 'site', config: string, root: string, site: Buffer, realPath: (p: string) => string | null): T | null {
  const kept = openKept(ref, kind, config, root, site);
  if (!kept) return null;
  try {
    const entry = JSON.parse(kept.bytes.subarray(kept.rest).toString('utf8')) as Entry<T>;
    if (typeof entry.tftpRoot !== 'string' || realPath(entry.tftpRoot) !== entry.tftpReal) return null;
    return entry.kept;
  } catch {
    return null;
  }
}

/**
 * JSON that gives back these values (strings, finite numbers, booleans, null, arrays, plain
 * objects, whose unset keys it leaves out), or null when it would not. The values are checked by
 * a walk, then written by JSON.stringify without a replacer: with one, V8 leaves its fast path
 * and calls back for every value (at 2,000 hosts, three times the time).
 */
export function faithfulJson(value: unknown): string | null {
  return faithful(value, false) ? JSON.stringify(value) : null;
}

function faithful(v: unknown, inArray: boolean): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v);
    case 'undefined':
      // an unset key is left out; in an array it would come back as null
      return !inArray;
    case 'object': {
      if (v === null) return true;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) if (!faithful(v[i], true)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const k in v) if (!faithful((v as Record<string, unknown>)[k], false)) return false;
      return true;
    }
    default:
      // functions, symbols, bigints
      return false;
  }
}

/** Keeps what was made of these site bytes (atomically, replacing the previous site's). Errors are ignored. */
export function writeKept<T>(ref: SiteCacheRef, kind: 'get' | 'site', config: string, root: string, site: Buffer, entry: Entry<T>): void {
  let payload: string | null;
  try {
    payload = faithfulJson(entry);
  } catch {
    return;
  }
  if (payload === null) return;
  const header: Header = { magic: MAGIC, kind, key: ref.key, config, root, size: site.length };
  writeAtomically(ref, cacheFile(ref, kind, config, root), [Buffer.from(JSON.stringify(header) + '\n'), site, Buffer.from(payload)]);
}

function writeAtomically(ref: SiteCacheRef, file: string, parts: Buffer[]): void {
  const tmp = join(ref.dir, `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, Buffer.concat(parts), { mode: 0o600, flag: 'wx' });
    // the previous one goes first: renamed over an existing file, ext4 (auto_da_alloc) writes the
    // new one out at once, 1-15 ms a file; a kept file missing for a moment costs a reader a parse
    try { unlinkSync(file); } catch { /* none yet */ }
    renameSync(tmp, file);
  } catch {
    try { unlinkSync(tmp); } catch { /* not made */ }
  }
}
