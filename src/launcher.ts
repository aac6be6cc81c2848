// The installed ltspcfg-ts: a small launcher that runs the bundle beside it
// (ltspcfg-ts.bundle.js) with a V8 code cache, so that a run does not compile
// the bundle's code again. The cache is made with the node that runs it: by
// the first run that may write the cache directory (the ebuild's pkg_postinst
// makes that run), and again whenever it does not fit.
//
// A cache is only a hint. It is used when its name and header say it was made
// from this very bundle (build hash, size, mtime, inode) by this node on this
// architecture, its checksum matches (V8 trusts what it is given: a damaged
// cache would abort node) and it belongs to this user or root and nobody else
// may write it. Anything else: the bundle is compiled as without a cache.
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** The default place of the cache; LTSPCFG_CODE_CACHE=DIR moves it, =off turns it off. */
const CACHE_DIR = '/var/cache/ltsp-ts';
const MAGIC = 'ltspcfg-ts code cache 1';
const PREFIX = 'ltspcfg-ts-';

interface BundleIdentity {
  /** sha256 of the bundle, fixed at build time */
  sha: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

/** What a cache must have been made from: the bundle, node's version, the architecture. Safe in a file name. */
export function cacheKey(id: BundleIdentity, node = process.version, arch = process.arch): string {
  return [id.sha.slice(0, 16), id.size, Math.floor(id.mtimeMs), id.ino, node, arch].join('-').replace(/[^\w.-]/g, '_');
}

function cacheFile(dir: string, key: string): string {
  return join(dir, `${PREFIX}${key}.cache`);
}

/** FNV-1a over 32-bit words (and the tail bytes): no module to load, and it catches damage. */
export function checksum(data: Buffer): number {
  const words = Math.floor(data.length / 4);
  const aligned = data.byteOffset % 4 === 0 ? data : Buffer.from(data);
  const w = new Int32Array(aligned.buffer, aligned.byteOffset, words);
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < words; i++) h = Math.imul(h ^ w[i], 16777619);
  for (let i = words * 4; i < data.length; i++) h = Math.imul(h ^ data[i], 16777619);
  return h >>> 0;
}

export function encodeCache(key: string, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${MAGIC} ${key} ${data.length} ${checksum(data)}\n`), data]);
}

/** V8's cached data from a cache file's bytes, or null when they were not made for `key` or are damaged. */
export function decodeCache(file: Buffer, key: string): Buffer | null {
  const nl = file.indexOf(10);
  if (nl < 0 || nl > 256) return null;
  const m = /^(.+) (\S+) (\d+) (\d+)$/.exec(file.subarray(0, nl).toString('latin1'));
  if (!m || m[1] !== MAGIC || m[2] !== key) return null;
  const data = file.subarray(nl + 1);
  if (data.length !== Number(m[3]) || checksum(data) !== Number(m[4])) return null;
  return data;
}

/** The cache for `key` in dir, when it is there, trustworthy and intact. */
export function readCache(dir: string, key: string): Buffer | null {
  let fd: number;
  try {
    fd = openSync(cacheFile(dir, key), 'r');
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

/** Writes the cache atomically and removes the caches of other bundles or nodes; errors are ignored. */
function writeCache(dir: string, key: string, data: Buffer): void {
  const file = cacheFile(dir, key);
  const tmp = join(dir, `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, encodeCache(key, data), { mode: 0o644, flag: 'wx' });
    renameSync(tmp, file);
  } catch {
    try { unlinkSync(tmp); } catch { /* not made */ }
    return;
  }
  try {
    for (const name of readdirSync(dir)) {
      if (name.startsWith(PREFIX) && name.endsWith('.cache') && name !== basename(file)) unlinkSync(join(dir, name));
    }
  } catch {
    // another run cleaned up first
  }
}

function cacheDirectory(): string | null {
  const v = process.env.LTSPCFG_CODE_CACHE;
  if (v === 'off') return null;
  return v || CACHE_DIR;
}

/** Runs the bundle as node would run it as a main module, through the cache when there is one. */
function launch(bundle: string, sha: string): void {
  const fd = openSync(bundle, 'r');
  const st = fstatSync(fd);
  const source = readFileSync(fd, 'utf8');
  closeSync(fd);
  const dir = cacheDirectory();
  const key = cacheKey({ sha, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino });
  const cachedData = dir ? readCache(dir, key) ?? undefined : undefined;
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData });
  if (dir && (!cachedData || script.cachedDataRejected)) {
    // after the run, so that the functions it compiled on the way are in the cache too
    process.once('exit', () => {
      try {
        writeCache(dir, key, script.createCachedData());
      } catch {
        // no cache this time
      }
    });
  }
  const module = { exports: {}, filename: bundle, id: '.', loaded: false };
  (script.runInThisContext() as (...a: unknown[]) => void)(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
}

declare const LTSPCFG_BUNDLE_SHA: string | undefined;
if (typeof LTSPCFG_BUNDLE_SHA === 'string') launch(join(__dirname, 'ltspcfg-ts.bundle.js'), LTSPCFG_BUNDLE_SHA);
