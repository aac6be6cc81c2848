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
// The directory is bounded (KEPT_MAX_FILES), pruned by the runs that write, never by one answered
// from a kept file.
import { closeSync, constants, existsSync, fstatSync, lstatSync, openSync, readdirSync, readFileSync, readSync, renameSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { basename, join, resolve } from 'node:path';

const MAGIC = 'ltspcfg-ts site cache 3';
/** How every kept file's name begins (cacheFile). */
const KEPT_PREFIX = 'ltspcfg-ts-site-';

/**
 * The most kept files one cache directory holds. A site file and --root keep a get, a Site and
 * one render per file the services render (about 20 in all); a lab that stages many roots makes
 * a set for each, and /var/cache must not fill up: past the bound, a run that writes a kept file
 * removes those whose site file or --root is gone (or that no build of this format made), then
 * the least recently used (read or written), down to three quarters of the bound.
 */
export const KEPT_MAX_FILES = 256;

/** Where the cache lives and what it must have been made by (the launcher's key of the running bundle). */
export interface SiteCacheRef {
  dir: string;
  key: string;
}

/** How the launcher hands the bundle it runs a SiteCacheRef (globalThis[SITE_CACHE]). */
export const SITE_CACHE = /* @__PURE__ */ Symbol.for('ltspcfg-ts.site-cache');

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
  /** the length of the site file's text (UTF-16 units: what the launcher compares, without counting bytes) */
  chars: number;
  /** a render's: the target and --path ("" without), where the TFTP root led, the output's length (as chars) */
  target?: string;
  path?: string;
  tftpRoot?: string;
  tftpReal?: string | null;
  outputChars?: number;
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

/** A path as path.resolve makes it: taken as it is when it is already absolute and normal (the launcher's common case). */
function absolute(p: string): string {
  const normal = p.startsWith('/') && !p.includes('//') && !p.includes('/./') && !p.includes('/../') && (p === '/' || !(p.endsWith('/') || p.endsWith('/.') || p.endsWith('/..')));
  return normal ? p : resolve(p);
}

// one kept file per kind, site file (made absolute) and --root (and rendered file): a new site replaces the old
function cacheFile(ref: SiteCacheRef, kind: KeptKind, config: string, root: string, file?: RenderedFile): string {
  const which = file ? `\0${file.target}\0${file.path}` : '';
  return `${ref.dir}/${KEPT_PREFIX}${kind}-${nameHash(`${absolute(config)}\0${root}${which}`)}.json`;
}

/** The largest kept file read: a render of the largest site, with the site's bytes. */
const KEPT_MAX_BYTES = 1 << 30;

/**
 * The text (UTF-8) of a regular file of at most maxBytes, taken through one descriptor opened
 * without blocking, when `accept` takes its stat; null otherwise (missing, not a regular file,
 * larger, unreadable). The launcher's one reader, for site.toml and the kept file (src/launcher.ts):
 * node compiles each fs function at its first call, and reading a descriptor as UTF-8 is one call
 * into node, where a Buffer read is several. The bundles say why a site file cannot be read.
 */
export function readTextAt(path: string, maxBytes: number, accept?: (st: Stats) => boolean): string | null {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO without a writer opens at once; fstat then refuses it
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > maxBytes || (accept && !accept(st))) return null;
    return readFileSync(fd, 'utf8');
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** A kept file is trusted when it is this user's or root's and no one else may read or write it. */
function trusted(st: Stats): boolean {
  const uid = process.geteuid?.() ?? 0;
  return (st.uid === uid || st.uid === 0) && (st.mode & 0o077) === 0;
}

/**
 * A kept file this user may trust, as text, whose header says it was made by this build for
 * this kind, --config and --root from these very site bytes, and where what was kept starts in
 * it; null otherwise. The site is compared as text: a text without U+FFFD (what decoding puts
 * for bytes that are not UTF-8) is the decoding of one byte string only, so the same text, of the
 * length the header gives, means the very bytes kept.
 */
function openKept(ref: SiteCacheRef, kind: KeptKind, config: string, root: string, site: string, file?: RenderedFile): { header: Header; text: string; rest: number } | null {
  if (site.includes('\uFFFD')) return null;
  const text = readTextAt(cacheFile(ref, kind, config, root, file), KEPT_MAX_BYTES, trusted);
  const nl = text ? text.indexOf('\n') : -1;
  if (!text || nl < 0) return null;
  let header: Header;
  try {
    header = JSON.parse(text.slice(0, nl)) as Header;
  } catch {
    return null;
  }
  if (header.magic !== MAGIC || header.kind !== kind || header.key !== ref.key || header.config !== config || header.root !== root) return null;
  if (header.chars !== site.length || !text.startsWith(site, nl + 1)) return null;
  return { header, text, rest: nl + 1 + site.length };
}

/** The site file's text, as openKept compares it. */
const textOf = (site: Buffer | string): string => (typeof site === 'string' ? site : site.toString('utf8'));

/** What `render` printed for these site bytes and this file, or null. `realPath` tells where the TFTP root leads now. */
export function readKeptRender(ref: SiteCacheRef, config: string, root: string, file: RenderedFile, site: Buffer | string, realPath: (p: string) => string | null): string | null {
  const kept = openKept(ref, 'render', config, root, textOf(site), file);
  if (!kept) return null;
  const h = kept.header;
  if (h.target !== file.target || h.path !== file.path || typeof h.tftpRoot !== 'string') return null;
  const output = kept.text.slice(kept.rest);
  if (output.length !== h.outputChars || realPath(h.tftpRoot) !== h.tftpReal) return null;
  return output;
}

/** Keeps what `render` printed for these site bytes (atomically, replacing the previous one). Errors are ignored. */
export function writeKeptRender(ref: SiteCacheRef, config: string, root: string, file: RenderedFile, site: Buffer, tftp: { root: string; real: string | null }, output: string): void {
  const chars = keptLength(site);
  if (chars === null) return;
  const header: Header = { magic: MAGIC, kind: 'render', key: ref.key, config, root, chars, target: file.target, path: file.path, tftpRoot: tftp.root, tftpReal: tftp.real, outputChars: output.length };
  writeAtomically(ref, cacheFile(ref, 'render', config, root, file), [Buffer.from(JSON.stringify(header) + '\n'), site, Buffer.from(output)]);
}

/** The length of the site's text, or null when it holds U+FFFD (what bytes that are not UTF-8 decode to: openKept takes no such text). */
function keptLength(site: Buffer): number | null {
  const text = site.toString('utf8');
  return text.includes('\uFFFD') ? null : text.length;
}

/** What was kept for these site bytes, or null. `realPath` tells where the TFTP root leads now. */
export function readKept<T>(ref: SiteCacheRef, kind: 'get' | 'site', config: string, root: string, site: Buffer | string, realPath: (p: string) => string | null): T | null {
  const kept = openKept(ref, kind, config, root, textOf(site));
  if (!kept) return null;
  try {
    const entry = JSON.parse(kept.text.slice(kept.rest)) as Entry<T>;
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
  const chars = keptLength(site);
  if (payload === null || chars === null) return;
  const header: Header = { magic: MAGIC, kind, key: ref.key, config, root, chars };
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
    return;
  }
  pruneKept(ref.dir, file);
}

/**
 * Bounds the kept files in dir to `max` (see KEPT_MAX_FILES), never removing `keep` (the one just
 * written); returns how many it removed. Runs only where a kept file was written: the launcher's
 * kept path never writes. Errors are ignored (another run may prune at the same time).
 */
export function pruneKept(dir: string, keep: string, max = KEPT_MAX_FILES): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  const kept = names.filter((n) => n.startsWith(KEPT_PREFIX) && n.endsWith('.json'));
  if (kept.length <= max) return 0;
  const files: { path: string; gone: boolean; used: number }[] = [];
  for (const name of kept) {
    const path = `${dir}/${name}`;
    if (path === keep) continue;
    try {
      const st = lstatSync(path);
      // last used: written (mtime), or read (atime: the kernel's relatime moves it at least daily,
      // so the kept answers a service start reads every day are not the first to go); noatime: written
      if (st.isFile()) files.push({ path, gone: siteGone(path), used: Math.max(st.mtimeMs, st.atimeMs) });
    } catch {
      // removed by another run
    }
  }
  // every one whose site is gone, then the least recently used while above three quarters
  files.sort((a, b) => Number(b.gone) - Number(a.gone) || a.used - b.used);
  const target = Math.floor((max * 3) / 4);
  let left = kept.length;
  let removed = 0;
  for (const f of files) {
    if (!f.gone && left <= target) break;
    try {
      unlinkSync(f.path);
      left--;
      removed++;
    } catch {
      // removed by another run
    }
  }
  return removed;
}

/** The most of a kept file's first line pruneKept reads: the header names two paths and a key. */
const HEADER_MAX_BYTES = 16384;

/** Whether a kept file can never be used again: its site file or --root is gone, or it is no kept file of this format. */
function siteGone(path: string): boolean {
  let head: string;
  try {
    // O_NOATIME: this look is no use of the file (its atime is what says it was used)
    const flags = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;
    let fd: number;
    try {
      fd = openSync(path, flags | constants.O_NOATIME);
    } catch {
      fd = openSync(path, flags); // EPERM: another user's file
    }
    try {
      const buf = Buffer.allocUnsafe(HEADER_MAX_BYTES);
      head = buf.toString('utf8', 0, readSync(fd, buf, 0, HEADER_MAX_BYTES, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
  const nl = head.indexOf('\n');
  if (nl < 0) return head.length < HEADER_MAX_BYTES;
  let header: Partial<Header>;
  try {
    header = JSON.parse(head.slice(0, nl)) as Partial<Header>;
  } catch {
    return true;
  }
  if (header.magic !== MAGIC || typeof header.config !== 'string' || typeof header.root !== 'string') return true;
  // a relative --config was taken from a working directory not recorded: judged by its root alone
  return !existsSync(header.root) || (header.config.startsWith('/') && !existsSync(header.config));
}
