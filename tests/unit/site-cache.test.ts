// `get` keeps its answers, and `render` the validated Site, for an unchanged
// site.toml (src/system/site-cache.ts): the next run skips parsing and
// validating, yet a changed file, one that no longer validates, or a TFTP root
// that now leads elsewhere is read afresh, a kept file that is not this build's,
// damaged or open to others is not used, and what is rendered does not change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, ltspcfg, scratch } from '../support/cli';

const WIKI = readFileSync(join(REPO, 'examples/wiki-sample.toml'), 'utf8');

/** A kept get file whose answer for tftp.root is made (by hand) to differ: what get prints when it is used. */
function keptWithRoot(kept: Buffer, root: string): Buffer {
  const text = kept.toString('latin1');
  const changed = text.replace('"tftp.root":"/tftpboot"', `"tftp.root":"${root}"`);
  assert.notEqual(changed, text, 'the kept file holds the answer for tftp.root');
  return Buffer.from(changed, 'latin1');
}

function setup() {
  const dir = scratch('ltspcfg-get-cache-');
  const cache = join(dir, 'cache');
  mkdirSync(cache, { mode: 0o755 });
  const root = join(dir, 'root');
  mkdirSync(join(root, 'tftpboot'), { recursive: true });
  const site = join(dir, 'site.toml');
  writeFileSync(site, WIKI);
  const get = (...keys: string[]) => ltspcfg(['--root', root, '--config', site, 'get', ...keys], { env: { LTSPCFG_CODE_CACHE: cache } as NodeJS.ProcessEnv });
  const kept = () => readdirSync(cache).filter((n) => n.startsWith('ltspcfg-ts-site-'));
  return { dir, cache, root, site, get, kept };
}

test('the first get keeps its answers (0600), the next ones use them, with the same output', () => {
  const { cache, get, kept, site } = setup();
  const first = get('--shell', 'tftp', 'server', 'network.log_servers');
  assert.equal(first.code, 0, first.stderr);
  const [file] = kept();
  assert.ok(file, 'kept');
  assert.equal(statSync(join(cache, file)).mode & 0o777, 0o600);
  const before = readFileSync(join(cache, file));
  assert.deepEqual(get('--shell', 'tftp', 'server', 'network.log_servers'), first);
  assert.ok(readFileSync(join(cache, file)).equals(before), 'not written again');
  // used indeed: a kept answer (made to differ here by hand) is what get prints
  writeFileSync(join(cache, file), keptWithRoot(before, '/kept-root'));
  assert.equal(get('tftp.root').stdout, '/kept-root\n');
  // without --root: another kept file, its own answers
  assert.equal(ltspcfg(['--config', site, 'get', 'server.address'], { env: { LTSPCFG_CODE_CACHE: cache } as NodeJS.ProcessEnv }).code, 0);
});

test('a changed site.toml is read afresh: a new value, or exit 2 when it no longer validates', () => {
  const { site, get, kept } = setup();
  assert.equal(get('tftp.root').stdout, '/tftpboot\n');
  writeFileSync(site, WIKI.replace(/^root\s*=\s*"\/tftpboot"/m, 'root = "/srv/tftp"'));
  assert.notEqual(readFileSync(site, 'utf8'), WIKI, 'the sample sets tftp.root');
  assert.equal(get('tftp.root').stdout, '/srv/tftp\n');
  const bad = WIKI.replace(/^address\s*=\s*"([\d.]+)"/m, 'address = "300.1.2.3"');
  assert.notEqual(bad, WIKI);
  writeFileSync(site, bad);
  for (let i = 0; i < 2; i++) {
    const r = get('tftp.root');
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /site\.toml:\d+:\d+: server\.address/);
  }
  assert.equal(kept().length, 1, 'one kept file per site file');
});

test('a TFTP root that now leads to a system directory: exit 2 although the file did not change', () => {
  const { root, get } = setup();
  assert.equal(get('tftp.root').code, 0);
  rmSync(join(root, 'tftpboot'), { recursive: true });
  mkdirSync(join(root, 'etc'));
  symlinkSync('etc', join(root, 'tftpboot'));
  const r = get('tftp.root');
  assert.equal(r.code, 2, r.stdout);
  assert.match(r.stderr, /tftp\.root: \/tftpboot leads to \/etc/);
});

test('a kept file that is damaged, cut, open to others or made by another build is not used', () => {
  const { cache, get, kept } = setup();
  const good = get('--shell', 'tftp', 'dhcp');
  assert.equal(good.code, 0, good.stderr);
  const path = join(cache, kept()[0]);
  const intact = readFileSync(path);
  const nl = intact.indexOf(10);
  const variants = [
    intact.subarray(0, intact.length - 5),
    intact.subarray(0, nl + 10),
    Buffer.concat([intact.subarray(0, intact.length - 2), Buffer.from('x}')]),
    Buffer.from(intact.toString('latin1').replace(/"key":"[^"]*"/, '"key":"other-build"'), 'latin1'),
    Buffer.from('garbage'),
    Buffer.alloc(0),
  ];
  for (const bad of variants) {
    writeFileSync(path, bad, { mode: 0o600 });
    const r = get('--shell', 'tftp', 'dhcp');
    assert.deepEqual(r, good);
    assert.ok(readFileSync(path).equals(intact), 'made again');
  }
  writeFileSync(path, keptWithRoot(intact, '/open'));
  chmodSync(path, 0o644);
  assert.deepEqual(get('--shell', 'tftp', 'dhcp'), good, 'readable by others: not used');
});

test('render plans from the kept Site: every target of every example renders byte for byte as without it', () => {
  const dir = scratch('ltspcfg-render-cache-');
  const cache = join(dir, 'cache');
  mkdirSync(cache);
  const run = (args: string[], env: string) => ltspcfg(args, { env: { LTSPCFG_CODE_CACHE: env } as NodeJS.ProcessEnv });
  const targets = run(['targets'], 'off').stdout.trim().split('\n').map((l) => l.split('\t')[0]);
  assert.ok(targets.includes('dhcpd') && targets.length > 10, targets.join(' '));
  let rendered = 0;
  for (const example of readdirSync(join(REPO, 'examples')).filter((n) => n.endsWith('.toml'))) {
    const config = join(REPO, 'examples', example);
    let keptFile: Buffer | undefined;
    for (const target of targets) {
      const args = ['--config', config, 'render', target];
      const plain = run(args, 'off');
      // the first target's run keeps the Site, the others plan from it
      assert.deepEqual(run(args, cache), plain, `${example} ${target}`);
      if (plain.code === 0) rendered++;
      const name = readdirSync(cache).find((n) => n.startsWith('ltspcfg-ts-site-site-') && readFileSync(join(cache, n)).includes(config));
      assert.ok(name, `${example}: a Site was kept`);
      const now = readFileSync(join(cache, name));
      if (keptFile) assert.ok(now.equals(keptFile), `${example} ${target}: the kept Site was used, not made again`);
      keptFile = now;
    }
  }
  assert.ok(rendered > 10, `${rendered} files rendered`);
});
