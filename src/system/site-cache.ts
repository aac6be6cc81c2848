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
import { closeSync, constants, fstatSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { basename, join, resolve } from 'node:path';

const MAGIC = 'ltspcfg-ts site cache 3';

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
  return `${ref.dir}/ltspcfg-ts-site-${kind}-${nameHash(`${absolute(config)}\0${root}${which}`)}.json`;
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
  }
}
