// The launcher's V8 code caches (one for the whole CLI, one for the get bundle):
// used when they fit, harmless when they do not (stale, foreign, damaged, or
// writable by someone else): the output is the same, node never aborts, and a
// cache that did not fit is made again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, copyFileSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { cacheKey, decodeCache, encodeCache, readCache } from '../../src/launch';
import { CLI, REPO, ltspcfg, scratch } from '../support/cli';

const WIKI = join(REPO, 'examples/wiki-sample.toml');
// a command that runs the bundle every time: an edit of /etc/hosts is never answered from a kept render
const ARGS = ['--config', WIKI, 'render', 'hosts'];

/** The launcher and bundle copied into a directory of their own, so that their mtime is the test's. */
function install(): { cli: string; bundle: string; cache: string } {
  const dir = scratch('ltspcfg-launcher-');
  for (const f of ['ltspcfg-ts.js', 'ltspcfg-ts.bundle.js', 'ltspcfg-ts.get.js', 'ltspcfg-ts.launch.js']) copyFileSync(join(dirname(CLI), f), join(dir, f));
  const cache = join(dir, 'cache');
  mkdirSync(cache, { mode: 0o755 });
  return { cli: join(dir, 'ltspcfg-ts.js'), bundle: join(dir, 'ltspcfg-ts.bundle.js'), cache };
}

function run(cli: string, cache: string, args = ARGS) {
  return ltspcfg(args, { env: { LTSPCFG_CODE_CACHE: cache } as NodeJS.ProcessEnv }, cli);
}

const caches = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.cache'));
const keyOf = (file: string) => file.slice('ltspcfg-ts-'.length, -'.cache'.length);
const GET = ['--config', WIKI, 'get', '--shell', 'tftp', 'server'];

/** The copy run through its #! line, as /usr/bin/ltspcfg-ts is (node alone: the launcher sets V8's checksum flag itself). */
function exec(cli: string, cache: string, args: string[]) {
  const r = spawnSync(cli, args, { cwd: REPO, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1', LTSPCFG_CODE_CACHE: cache } });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Bit flips all over a cache file's V8 data, single and many. */
function damagedCopies(intact: Buffer): Buffer[] {
  const start = intact.indexOf(10) + 1;
  const out: Buffer[] = [];
  // bytes flipped all over V8's data: fed to V8 without its checksum, this aborts node
  const many = Buffer.from(intact);
  for (let i = start + 1000; i < many.length; i += 997) many[i] ^= 0x5a;
  out.push(many);
  // one bit: in V8's header, just past its checksum, in the middle, at the end (the second copy)
  for (const at of [start + 17, start + 100, start + (intact.length - start) / 2, intact.length - 1]) {
    const one = Buffer.from(intact);
    one[Math.floor(at)] ^= 4;
    out.push(one);
  }
  return out;
}

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

test('a missing cache directory is made by the first run (the ebuild installs none under /var/cache); its parent is not', () => {
  const { cli, cache } = install();
  rmSync(cache, { recursive: true });
  const plain = ltspcfg(ARGS, { env: { LTSPCFG_CODE_CACHE: 'off' } as NodeJS.ProcessEnv }, cli);
  const first = run(cli, cache);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, plain.stdout);
  assert.equal(statSync(cache).mode & 0o7777, 0o755 & ~process.umask());
  assert.equal(caches(cache).length, 1, 'the cache was written into it');
  // only the directory itself: a cache directory whose parent is gone stays unmade, and the run is unharmed
  const deeper = join(cache, 'gone', 'cache');
  const second = run(cli, deeper);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.stdout, plain.stdout);
  assert.throws(() => statSync(join(cache, 'gone')), /ENOENT/);
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
  for (const bad of [...damagedCopies(intact), intact.subarray(0, intact.length >> 1), intact.subarray(0, 10), Buffer.alloc(0)]) {
    writeFileSync(path, bad);
    const r = run(cli, cache);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, good.stdout);
    assert.ok(decodeCache(readFileSync(path), keyOf(file)), 'rewritten whole');
  }
});

/** Drops get's kept answers, so that the next get runs the get bundle (through its code cache). */
const dropKept = (cache: string) => { for (const f of readdirSync(cache)) if (f.startsWith('ltspcfg-ts-site-')) unlinkSync(join(cache, f)); };

test('get has a cache of its own, beside the whole CLI\'s; damaged, it is rejected too, through the #! line', () => {
  const { cli, cache } = install();
  const plain = ltspcfg(GET, { env: { LTSPCFG_CODE_CACHE: 'off' } as NodeJS.ProcessEnv }, cli);
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /^tftp_root='\/tftpboot'$/m);
  const first = exec(cli, cache, GET);
  assert.equal(first.stdout, plain.stdout, first.stderr);
  const [getCache] = caches(cache);
  assert.match(getCache, /^ltspcfg-ts-get-/);
  assert.equal(run(cli, cache).code, 0);
  assert.equal(caches(cache).length, 2, 'the whole CLI\'s cache does not remove get\'s');
  assert.ok(caches(cache).includes(getCache));
  const path = join(cache, getCache);
  const intact = readFileSync(path);
  dropKept(cache);
  assert.deepEqual(exec(cli, cache, GET), first, 'the cache made through the #! line fits a run through it');
  assert.ok(readFileSync(path).equals(intact), 'and is not written again');
  for (const bad of damagedCopies(intact)) {
    for (const go of [() => exec(cli, cache, GET), () => run(cli, cache, GET)]) {
      writeFileSync(path, bad);
      dropKept(cache);
      const r = go();
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, plain.stdout);
      assert.ok(decodeCache(readFileSync(path), keyOf(getCache)), 'rewritten whole');
    }
  }
  // a bad site is still exit 2 through the get bundle, one line, no trace
  const bad = exec(cli, cache, ['--config', join(REPO, 'package.json'), 'get', 'tftp.root']);
  assert.equal(bad.code, 2, bad.stderr);
  assert.doesNotMatch(bad.stderr, /\n\s+at /);
});

test('a cache V8 rejects (made from other code under the right name) is replaced', () => {
  const { cli, bundle, cache } = install();
  const good = run(cli, cache);
  const [file] = caches(cache);
  const key = keyOf(file);
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
  const id = { name: 'main', sha: 'ab'.repeat(32), size: 1, mtimeMs: 2, ino: 3 };
  assert.notEqual(cacheKey(id, 'v20.1.0', 'x64'), cacheKey({ ...id, name: 'get' }, 'v20.1.0', 'x64'));
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
  // a single flipped bit in the header line or either copy of the data, a cut or an addition: refused
  const long = Buffer.from(Array.from({ length: 200 }, (_, i) => i));
  const enc = encodeCache('k', long);
  for (let i = 0; i < enc.length; i++) {
    const b = Buffer.from(enc);
    b[i] ^= 1;
    assert.equal(decodeCache(b, 'k'), null, `bit flipped at ${i}`);
  }
  assert.deepEqual(decodeCache(enc, 'k'), long);
  assert.equal(decodeCache(enc.subarray(0, enc.length - 1), 'k'), null);
  assert.equal(decodeCache(Buffer.concat([enc, Buffer.from([0])]), 'k'), null);
});

/**
 * An installed copy whose get bundle is replaced, in place (same inode, size and mtime: the key
 * of its caches still fits), by code that only says it ran: a get that prints an answer was
 * answered by the launcher from the kept answers, without loading the bundle.
 */
function installWithMarkedGet(root?: string) {
  const inst = install();
  const getBundle = join(dirname(inst.cli), 'ltspcfg-ts.get.js');
  const site = join(dirname(inst.cli), 'site.toml');
  writeFileSync(site, readFileSync(WIKI));
  const get = (keys: string[], cli = inst.cli, env: Record<string, string> = {}) =>
    ltspcfg([...(root ? ['--root', root] : []), '--config', site, 'get', ...keys], { env: { LTSPCFG_CODE_CACHE: inst.cache, ...env } as NodeJS.ProcessEnv }, cli);
  const first = get(['--shell', 'tftp', 'server']);
  assert.equal(first.code, 0, first.stderr);
  const original = readFileSync(getBundle);
  const st = statSync(getBundle);
  const marker = Buffer.alloc(original.length, ' ');
  marker.write('process.stdout.write("get bundle ran\\n"); process.exitCode = 7;');
  writeFileSync(getBundle, marker);
  utimesSync(getBundle, st.atimeMs / 1000, st.mtimeMs / 1000);
  // the code cache of the real bundle would fit the marker too (same key): not what is tested here
  for (const f of caches(inst.cache)) unlinkSync(join(inst.cache, f));
  assert.equal(statSync(getBundle).ino, st.ino);
  assert.equal(Math.floor(statSync(getBundle).mtimeMs), Math.floor(st.mtimeMs), 'the key has the mtime in ms');
  const bundleRan = (r: { code: number; stdout: string }, why: string) => assert.deepEqual([r.code, r.stdout], [7, 'get bundle ran\n'], why);
  return { ...inst, original, getBundle, site, get, first, bundleRan };
}

test('get answers from its kept answers without loading a bundle; what they do not hold goes to the get bundle', () => {
  const { get, first, bundleRan } = installWithMarkedGet();
  assert.deepEqual(get(['--shell', 'tftp', 'server']), first, 'the services\' call: answered by the launcher');
  assert.deepEqual(get(['tftp.root']), { code: 0, stdout: '/tftpboot\n', stderr: '' });
  assert.deepEqual(get(['tftp.address']), { code: 0, stdout: '192.168.0.254\n', stderr: '' }, 'a derived key');
  bundleRan(get(['group[2].host[2].mac']), 'an element of an array of tables: the get bundle');
  bundleRan(get(['tftp.rot']), 'a mistake: the get bundle says what it is');
  bundleRan(get(['--shell', 'tftp', 'tftp.rot']), 'one key it does not hold: the get bundle');
  bundleRan(get(['tftp.root'], undefined, { LTSPCFG_CODE_CACHE: 'off' }), 'no caches: the get bundle');
});

test('the launcher\'s kept answers: a changed site.toml (same size, same mtime) or another build is not answered from them', () => {
  const { cli, get, site, bundleRan, getBundle, original } = installWithMarkedGet();
  const text = readFileSync(site, 'utf8');
  const st = statSync(site);
  const same = text.replace('"/tftpboot"', '"/tftpbooX"');
  assert.ok(same !== text && same.length === text.length, 'the sample sets tftp.root');
  writeFileSync(site, same);
  utimesSync(site, st.atimeMs / 1000, st.mtimeMs / 1000);
  assert.equal(Math.floor(statSync(site).mtimeMs), Math.floor(st.mtimeMs));
  bundleRan(get(['tftp.root']), 'changed bytes, same size and mtime');
  writeFileSync(site, text);
  assert.deepEqual(get(['tftp.root']).stdout, '/tftpboot\n', 'the same bytes again: answered');
  // another build of ltspcfg-ts beside the same files: its launcher knows another get bundle
  const sha = createHash('sha256').update(original).digest('hex');
  const launcher = readFileSync(cli, 'utf8');
  assert.ok(launcher.includes(sha), 'the launcher carries the get bundle\'s hash');
  const other = join(dirname(cli), 'ltspcfg-ts.other.js');
  writeFileSync(other, launcher.replace(sha, sha.replace(/^./, (c) => (c === '0' ? '1' : '0'))), { mode: 0o755 });
  bundleRan(get(['tftp.root'], other), 'another build');
  // the real get bundle back: the kept answers of the other build are not this one's either
  writeFileSync(getBundle, original);
  assert.deepEqual(get(['tftp.root'], other).stdout, '/tftpboot\n');
});

test('the launcher\'s kept answers: a file of another user, or open to others, is not used', { skip: process.getuid?.() !== 0 ? 'chown needs root' : false }, () => {
  const { cache, get, bundleRan } = installWithMarkedGet();
  const [kept] = readdirSync(cache).filter((f) => f.startsWith('ltspcfg-ts-site-get-'));
  assert.ok(kept);
  const path = join(cache, kept);
  chownSync(path, 12345, 12345);
  bundleRan(get(['tftp.root']), 'made by another user');
  chownSync(path, 0, 0);
  chmodSync(path, 0o640);
  bundleRan(get(['tftp.root']), 'readable by the group');
  chmodSync(path, 0o600);
  assert.equal(get(['tftp.root']).stdout, '/tftpboot\n');
});

test('a kept answer needs no other file: the launch module and the whole CLI may be gone; without them the rest fails in one line', () => {
  const { cli, get, bundleRan } = installWithMarkedGet();
  const dir = dirname(cli);
  unlinkSync(join(dir, 'ltspcfg-ts.launch.js'));
  writeFileSync(join(dir, 'ltspcfg-ts.bundle.js'), 'process.exitCode = 9;');
  assert.deepEqual(get(['tftp.root']), { code: 0, stdout: '/tftpboot\n', stderr: '' }, 'answered by the launcher alone');
  const r = get(['tftp.rot']);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `ltspcfg-ts: cannot load ${join(dir, 'ltspcfg-ts.launch.js')}; reinstall ltspcfg-ts\n`);
  // and with the launch module back, the get bundle answers what was not kept
  copyFileSync(join(dirname(CLI), 'ltspcfg-ts.launch.js'), join(dir, 'ltspcfg-ts.launch.js'));
  bundleRan(get(['tftp.rot']), 'through the launch module');
});

test('a kept answer to a stdout that refuses writes (/dev/full): the bundles\' own line, exit 1', () => {
  const { cli, cache, site, get } = installWithMarkedGet();
  const render = ['--config', site, 'render', 'dhcpd'];
  for (let i = 0; i < 2; i++) assert.equal(run(cli, cache, render).code, 0);
  // without the launch module, only the launcher's kept answers can answer
  unlinkSync(join(dirname(cli), 'ltspcfg-ts.launch.js'));
  assert.equal(get(['tftp.root']).stdout, '/tftpboot\n');
  assert.match(run(cli, cache, render).stdout, /^# Generated by ltspcfg-ts/m);
  const full = openSync('/dev/full', 'w');
  try {
    for (const args of [['--config', site, 'get', 'tftp.root'], ['--config', site, 'get', '--shell', 'tftp', 'server'], render]) {
      const r = spawnSync(process.execPath, [cli, ...args], { cwd: REPO, encoding: 'utf8', env: { ...process.env, LTSPCFG_CODE_CACHE: cache }, stdio: ['ignore', full, 'pipe'] });
      assert.deepEqual([r.status, r.stderr], [1, 'ltspcfg-ts: cannot write the output: no space left on the device; expected standard output open for writing\n'], args.join(' '));
    }
  } finally {
    closeSync(full);
  }
});

test('the launcher\'s kept answers: a site.toml one character shorter or longer, or another text of the same length, is not answered from them', () => {
  const { get, site, bundleRan } = installWithMarkedGet();
  const text = readFileSync(site, 'utf8');
  assert.ok(text.endsWith('\n'));
  for (const [what, other] of [['the last newline gone', text.slice(0, -1)], ['a newline more', `${text}\n`], ['a space more', `${text} `], ['one character changed', `${text.slice(0, -2)}#\n`]]) {
    writeFileSync(site, other);
    bundleRan(get(['tftp.root']), what);
  }
  writeFileSync(site, text);
  assert.equal(get(['tftp.root']).stdout, '/tftpboot\n');
});

test('a site.toml that is not plain UTF-8 (or holds U+FFFD) is never answered from kept answers', () => {
  const { cli, cache } = install();
  const site = join(dirname(cli), 'site.toml');
  const wiki = readFileSync(WIKI);
  const keptFiles = () => readdirSync(cache).filter((f) => f.startsWith('ltspcfg-ts-site-'));
  const plain = (args: string[]) => ltspcfg(args, { env: { LTSPCFG_CODE_CACHE: 'off' } as NodeJS.ProcessEnv }, cli);
  for (const [what, bytes] of [['U+FFFD in a comment', Buffer.concat([Buffer.from('# \uFFFD\n'), wiki])], ['a byte that is not UTF-8 in a comment', Buffer.concat([Buffer.from('# \xff\n', 'latin1'), wiki])]] as const) {
    writeFileSync(site, bytes);
    const args = ['--config', site, 'get', 'tftp.root'];
    const want = plain(args);
    for (let i = 0; i < 2; i++) assert.deepEqual(run(cli, cache, args), want, `${what}, run ${i + 1}`);
    assert.deepEqual(keptFiles(), [], `${what}: nothing kept`);
    for (const f of readdirSync(cache)) unlinkSync(join(cache, f));
  }
});

test('the launcher\'s kept answers under --root: a TFTP root removed, or now a symlink, is asked again; back as it was, answered', () => {
  const root = scratch('ltspcfg-launcher-root-');
  mkdirSync(join(root, 'tftpboot'));
  mkdirSync(join(root, 'srv'));
  const { get, bundleRan } = installWithMarkedGet(root);
  assert.deepEqual(get(['tftp.root']), { code: 0, stdout: '/tftpboot\n', stderr: '' });
  rmSync(join(root, 'tftpboot'), { recursive: true });
  bundleRan(get(['tftp.root']), 'the TFTP root is gone');
  symlinkSync('srv', join(root, 'tftpboot'));
  bundleRan(get(['tftp.root']), 'the TFTP root leads elsewhere');
  unlinkSync(join(root, 'tftpboot'));
  mkdirSync(join(root, 'tftpboot'));
  assert.deepEqual(get(['tftp.root']), { code: 0, stdout: '/tftpboot\n', stderr: '' });
});
