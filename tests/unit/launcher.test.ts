// The launcher's V8 code cache: used when it fits, harmless when it does not
// (stale, foreign, damaged, or writable by someone else): the output is the
// same, node never aborts, and a cache that did not fit is made again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { cacheKey, checksum, decodeCache, encodeCache, readCache } from '../../src/launcher';
import { CLI, REPO, ltspcfg, scratch } from '../support/cli';

const WIKI = join(REPO, 'examples/wiki-sample.toml');
const ARGS = ['--config', WIKI, 'render', 'dhcpd'];

/** The launcher and bundle copied into a directory of their own, so that their mtime is the test's. */
function install(): { cli: string; bundle: string; cache: string } {
  const dir = scratch('ltspcfg-launcher-');
  for (const f of ['ltspcfg-ts.js', 'ltspcfg-ts.bundle.js']) copyFileSync(join(dirname(CLI), f), join(dir, f));
  const cache = join(dir, 'cache');
  mkdirSync(cache, { mode: 0o755 });
  return { cli: join(dir, 'ltspcfg-ts.js'), bundle: join(dir, 'ltspcfg-ts.bundle.js'), cache };
}

function run(cli: string, cache: string, args = ARGS) {
  return ltspcfg(args, { env: { LTSPCFG_CODE_CACHE: cache } as NodeJS.ProcessEnv }, cli);
}

const caches = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.cache'));

test('the first run writes the cache, the next runs use it, the output is the same', () => {
  const { cli, cache } = install();
  const plain = ltspcfg(ARGS, { env: { LTSPCFG_CODE_CACHE: 'off' } as NodeJS.ProcessEnv }, cli);
  assert.equal(plain.code, 0, plain.stderr);
  assert.deepEqual(caches(cache), [], 'LTSPCFG_CODE_CACHE=off writes nothing');
  const first = run(cli, cache);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, plain.stdout);
  const [file] = caches(cache);
  assert.ok(file, 'a cache was written');
  assert.equal(statSync(join(cache, file)).mode & 0o777, 0o644);
  const before = readFileSync(join(cache, file));
  const second = run(cli, cache);
  assert.equal(second.stdout, plain.stdout);
  assert.ok(readFileSync(join(cache, file)).equals(before), 'a cache that fits is not written again');
});

test('a damaged or truncated cache: same output, no abort, and a good cache again', () => {
  const { cli, cache } = install();
  const good = run(cli, cache);
  const [file] = caches(cache);
  const path = join(cache, file);
  const intact = readFileSync(path);
  const damaged = Buffer.from(intact);
  // bytes flipped all over V8's data: fed to V8 as it is, this aborts node
  for (let i = intact.indexOf(10) + 1000; i < damaged.length; i += 997) damaged[i] ^= 0x5a;
  for (const bad of [damaged, intact.subarray(0, intact.length >> 1), intact.subarray(0, 10), Buffer.alloc(0)]) {
    writeFileSync(path, bad);
    const r = run(cli, cache);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, good.stdout);
    assert.ok(decodeCache(readFileSync(path), file.slice('ltspcfg-ts-'.length, -'.cache'.length)), 'rewritten whole');
  }
});

test('a cache V8 rejects (made from other code under the right name) is replaced', () => {
  const { cli, bundle, cache } = install();
  const good = run(cli, cache);
  const [file] = caches(cache);
  const key = file.slice('ltspcfg-ts-'.length, -'.cache'.length);
  const other = new Script(`(function () { return ${JSON.stringify('x'.repeat(1000))}; })`).createCachedData();
  writeFileSync(join(cache, file), encodeCache(key, other));
  const r = run(cli, cache);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, good.stdout);
  assert.ok(readFileSync(join(cache, file)).length > other.length + 100, 'the rejected cache was replaced');
  assert.ok(readFileSync(bundle).length > 0);
});

test('a stale cache (the bundle changed, or another node made it) is not used, and is removed', () => {
  const { cli, bundle, cache } = install();
  const good = run(cli, cache);
  const [old] = caches(cache);
  // a new bundle of the same size: the key has the build hash, size, mtime and inode
  const t = new Date(Date.now() + 5000);
  utimesSync(bundle, t, t);
  const r = run(cli, cache);
  assert.equal(r.stdout, good.stdout);
  const now = caches(cache);
  assert.equal(now.length, 1, 'one cache: the stale one is removed');
  assert.notEqual(now[0], old);
  // the key tells nodes and architectures apart
  const id = { sha: 'ab'.repeat(32), size: 1, mtimeMs: 2, ino: 3 };
  assert.notEqual(cacheKey(id, 'v20.1.0', 'x64'), cacheKey(id, 'v22.1.0', 'x64'));
  assert.notEqual(cacheKey(id, 'v20.1.0', 'x64'), cacheKey(id, 'v20.1.0', 'arm64'));
  assert.match(cacheKey(id, 'v20.1.0', 'x64'), /^[\w.-]+$/);
});

test('a foreign cache: another key in the header, or writable by others, is not read', () => {
  const dir = scratch('ltspcfg-launcher-cache-');
  const data = Buffer.from('some bytes of V8 code cache');
  writeFileSync(join(dir, 'ltspcfg-ts-k1.cache'), encodeCache('k2', data), { mode: 0o644 });
  assert.equal(readCache(dir, 'k1'), null, 'made for another key');
  writeFileSync(join(dir, 'ltspcfg-ts-k3.cache'), encodeCache('k3', data), { mode: 0o644 });
  chmodSync(join(dir, 'ltspcfg-ts-k3.cache'), 0o644);
  assert.deepEqual(readCache(dir, 'k3'), data);
  chmodSync(join(dir, 'ltspcfg-ts-k3.cache'), 0o666);
  assert.equal(readCache(dir, 'k3'), null, 'writable by others: never run as code');
  chmodSync(join(dir, 'ltspcfg-ts-k3.cache'), 0o664);
  assert.equal(readCache(dir, 'k3'), null, 'writable by the group');
  assert.equal(readCache(join(dir, 'missing'), 'k3'), null);
  // the checksum sees a single flipped bit anywhere, the length a cut
  const enc = encodeCache('k', data);
  for (let i = enc.indexOf(10) + 1; i < enc.length; i++) {
    const b = Buffer.from(enc);
    b[i] ^= 1;
    assert.equal(decodeCache(b, 'k'), null, `bit flipped at ${i}`);
  }
  assert.equal(decodeCache(enc.subarray(0, enc.length - 1), 'k'), null);
  assert.notEqual(checksum(Buffer.from('abcde')), checksum(Buffer.from('abcdf')));
});
