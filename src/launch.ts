// The installed ltspcfg-ts when no kept answer serves (src/launcher.ts loads this
// module, dist/ltspcfg-ts.launch.js, only then): runs one of the two bundles
// beside it with a V8 code cache, so that a run does not compile the bundle's
// code again: the get bundle (ltspcfg-ts.get.js: the site modules alone) for a
// plain get, the whole CLI (ltspcfg-ts.bundle.js) for anything else. Each has a
// cache of its own, made with the node that runs it: by the first run that may
// write the cache directory (the ebuild's pkg_postinst makes those runs), and
// again whenever it does not fit.
//
// A code cache is only a hint. It is used when its name and header say it was
// made from this very bundle (build hash, size, mtime, inode) by this node on
// this architecture, it has the length its header says, the two copies of V8's
// data it holds are the same bytes, and it belongs to this user or root and
// nobody else may write it. V8 itself trusts the rest (a damaged cache aborts
// node), so damaged data must never reach it. A damaged byte in either copy makes
// them differ, and node compares them natively (memcmp: ~0.1 ms for the main
// cache, where a checksum in JavaScript runs in V8's interpreter, ~40 ns a word:
// 2-3 ms, and node's hashes cost more to load than that). Not V8's own checksum
// (--verify-snapshot-checksum): on the #! line that flag makes V8 checksum node's
// start-up snapshot at every start (~2 ms), kept answer or not, and set at run
// time it costs node:v8 and its streams.
// Anything that does not fit: the bundle is compiled as without a cache.
import { closeSync, constants, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { readTextAt, SITE_CACHE } from './system/site-cache';

/** The default place of the cache; LTSPCFG_CODE_CACHE=DIR moves it, =off turns it off. */
const CACHE_DIR = '/var/cache/ltsp-ts';
const MAGIC = 'ltspcfg-ts code cache 4';
const PREFIX = 'ltspcfg-ts-';

interface BundleIdentity {
  /** which bundle: "main" or "get" */
  name: string;
  /** sha256 of the bundle, fixed at build time */
  sha: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

/** What a cache must have been made from: the bundle, node's version, the architecture. Safe in a file name. */
export function cacheKey(id: BundleIdentity, node = process.version, arch = process.arch): string {
  const key = `${id.name}-${id.sha.slice(0, 16)}-${id.size}-${Math.floor(id.mtimeMs)}-${id.ino}-${node}-${arch}`;
  // what is not [A-Za-z0-9_.-] made `_`, without a regular expression (the launcher's kept path compiles none)
  let safe = '';
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    const word = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45 || c === 46;
    safe += word ? key[i] : '_';
  }
  return safe;
}

function cacheFile(dir: string, key: string): string {
  return join(dir, `${PREFIX}${key}.cache`);
}

/** A cache file: a header line (what it was made for, the data's length), then V8's data twice. */
export function encodeCache(key: string, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${MAGIC} ${key} ${data.length}\n`), data, data]);
}

/** V8's cached data from a cache file's bytes, or null when they were not made for `key`, are cut or longer, or damaged. */
export function decodeCache(file: Buffer, key: string): Buffer | null {
  const nl = file.indexOf(10);
  if (nl < 0 || nl > 256) return null;
  const m = /^(.+) (\S+) (\d+)$/.exec(file.subarray(0, nl).toString('latin1'));
  if (!m || m[1] !== MAGIC || m[2] !== key) return null;
  const length = Number(m[3]);
  const copies = file.subarray(nl + 1);
  if (copies.length !== 2 * length) return null;
  const data = copies.subarray(0, length);
  return data.equals(copies.subarray(length)) ? data : null;
}

/** The cache for `key` in dir, when it is there, trustworthy and intact. */
export function readCache(dir: string, key: string): Buffer | null {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO in the cache's place opens at once (and fstat refuses it) instead of hanging every run
    fd = openSync(cacheFile(dir, key), constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    // code that runs as this user: only from this user or root, and writable by no one else
    const uid = process.geteuid?.() ?? 0;
    if (!st.isFile() || (st.uid !== uid && st.uid !== 0) || (st.mode & 0o022) !== 0) return null;
    return decodeCache(readFileSync(fd), key);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

const BUNDLES = ['main', 'get'];
/**
 * Writes the cache atomically and removes the other caches of this bundle (older builds, other
 * nodes) and those of no bundle it knows; the other bundle's are left to its runs. Errors are ignored.
 */
function writeCache(dir: string, name: string, key: string, data: Buffer): void {
  const file = cacheFile(dir, key);
  const tmp = join(dir, `.${basename(file)}.${process.pid}.tmp`);
  try {
    try {
      writeFileSync(tmp, encodeCache(key, data), { mode: 0o644, flag: 'wx' });
    } catch (e) {
      // the package installs no directory under /var/cache (Portage: made at run time); the first
      // run that may create it does, the others go without a cache
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      mkdirSync(dir, { mode: 0o755 });
      writeFileSync(tmp, encodeCache(key, data), { mode: 0o644, flag: 'wx' });
    }
    renameSync(tmp, file);
  } catch {
    try { unlinkSync(tmp); } catch { /* not made */ }
    return;
  }
  const others = BUNDLES.filter((b) => b !== name).map((b) => `${PREFIX}${b}-`);
  try {
    for (const f of readdirSync(dir)) {
      if (f.startsWith(PREFIX) && f.endsWith('.cache') && f !== basename(file) && !others.some((o) => f.startsWith(o))) unlinkSync(join(dir, f));
    }
  } catch {
    // another run cleaned up first
  }
}

/** Where the caches live: LTSPCFG_CODE_CACHE, else CACHE_DIR; null when they are off. */
export function cacheDirectory(): string | null {
  const v = process.env.LTSPCFG_CODE_CACHE;
  if (v === 'off') return null;
  return v || CACHE_DIR;
}

/** Runs a bundle as node would run it as a main module, through its cache when there is one. */
function launch(name: string, bundle: string, sha: string, source: string, st: { size: number; mtimeMs: number; ino: number }): void {
  const dir = cacheDirectory();
  const key = cacheKey({ name, sha, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino });
  const cachedData = dir ? readCache(dir, key) ?? undefined : undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Script } = require('node:vm') as typeof import('node:vm');
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData });
  if (dir && (!cachedData || script.cachedDataRejected)) {
    // after the run, so that the functions it compiled on the way are in the cache too
    process.once('exit', () => {
      try {
        writeCache(dir, name, key, script.createCachedData());
      } catch {
        // no cache this time
      }
    });
  }
  // get's answers and render's Site are kept for an unchanged site.toml beside the code cache (src/system/site-cache.ts)
  if (dir) (globalThis as Record<symbol, unknown>)[SITE_CACHE] = { dir, key };
  const module = { exports: {}, filename: bundle, id: '.', loaded: false };
  // the launcher's own require: the bundles sit beside it and need node's modules alone
  // (node:module's createRequire would load node's ES module loader, ~2 ms)
  (script.runInThisContext() as (...a: unknown[]) => void)(module.exports, require, module, bundle, dirname(bundle));
}

/** The text and identity of a bundle file, or null when it is not there. */
function readBundle(path: string): { source: string; st: { size: number; mtimeMs: number; ino: number } } | null {
  let st: Stats | undefined;
  const source = readTextAt(path, Number.MAX_SAFE_INTEGER, (s) => {
    st = s;
    return true;
  });
  return source === null || !st ? null : { source, st };
}

/** The hashes of the bundles a launcher was built with: a cache or a kept answer of another build is never used. */
export interface BundleHashes {
  main: string;
  get: string;
}

/** Runs the get bundle for a plain `get` (`plain`), the whole CLI for anything else or when the get bundle is missing. */
export function runBundle(dir: string, shas: BundleHashes, plain: boolean): void {
  if (plain) {
    const path = join(dir, 'ltspcfg-ts.get.js');
    const get = readBundle(path);
    if (get) return launch('get', path, shas.get, get.source, get.st);
  }
  const path = join(dir, 'ltspcfg-ts.bundle.js');
  const whole = readBundle(path);
  if (!whole) {
    process.stderr.write(`ltspcfg-ts: cannot read ${path}; reinstall ltspcfg-ts\n`);
    process.exitCode = 1;
    return;
  }
  launch('main', path, shas.main, whole.source, whole.st);
}
