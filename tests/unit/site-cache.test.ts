// `get` keeps its answers, and `render` the validated Site, for an unchanged
// site.toml (src/system/site-cache.ts): the next run skips parsing and
// validating, yet a changed file, one that no longer validates, or a TFTP root
// that now leads elsewhere is read afresh, a kept file that is not this build's,
// damaged or open to others is not used, and what is rendered does not change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { REPO, eachLimited, ltspcfg, ltspcfgAsync, scratch, type Run } from '../support/cli';

const WIKI = readFileSync(join(REPO, 'examples/wiki-sample.toml'), 'utf8');

/** A kept get file whose answer for tftp.root is made (by hand) to differ: what get prints when it is used. */
function keptWithRoot(kept: Buffer, root: string): Buffer {
  const text = kept.toString('latin1');
  const changed = text.replace('"tftp.root":"/tftpboot"', `"tftp.root":"${root}"`);
  assert.notEqual(changed, text, 'the kept file holds the answer for tftp.root');
  return Buffer.from(changed, 'latin1');
}

/** A scratch directory with the wiki's site.toml, a staged root and a code cache; `cli` runs ltspcfg-ts on them. */
function siteScratch(prefix: string) {
  const dir = scratch(prefix);
  const cache = join(dir, 'cache');
  mkdirSync(cache, { mode: 0o755 });
  const root = join(dir, 'root');
  mkdirSync(join(root, 'tftpboot'), { recursive: true });
  const site = join(dir, 'site.toml');
  writeFileSync(site, WIKI);
  const cli = (args: string[], cacheDir = cache) =>
    ltspcfg(['--root', root, '--config', site, ...args], { env: { LTSPCFG_CODE_CACHE: cacheDir } as NodeJS.ProcessEnv });
  return { dir, cache, root, site, cli };
}

function setup() {
  const { dir, cache, root, site, cli } = siteScratch('ltspcfg-get-cache-');
  const get = (...keys: string[]) => cli(['get', ...keys]);
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

test('render plans from the kept Site: every target of every example renders byte for byte as without it', async () => {
  const dir = scratch('ltspcfg-render-cache-');
  const cache = join(dir, 'cache');
  mkdirSync(cache);
  const run = (args: string[], env: string) => ltspcfgAsync(args, { env: { LTSPCFG_CODE_CACHE: env } as NodeJS.ProcessEnv });
  const targets = (await run(['targets'], 'off')).stdout.trim().split('\n').map((l) => l.split('\t')[0]);
  assert.ok(targets.includes('dhcpd') && targets.length > 10, targets.join(' '));
  const examples = readdirSync(join(REPO, 'examples')).filter((n) => n.endsWith('.toml'));
  const argsOf = (example: string, target: string) => ['--config', join(REPO, 'examples', example), 'render', target];
  // the renders without a cache do not depend on each other: they run beside the cached ones, three at a time
  const plainRuns = eachLimited(
    examples.flatMap((example) => targets.map((target) => argsOf(example, target))),
    3,
    (args) => run(args, 'off'),
  );
  plainRuns.catch(() => {}); // awaited below; a rejection before then is no unhandled one
  const cached: Run[] = [];
  for (const example of examples) {
    const config = join(REPO, 'examples', example);
    let keptFile: Buffer | undefined;
    for (const target of targets) {
      // in order: the first target's run keeps the Site, the others plan from it
      cached.push(await run(argsOf(example, target), cache));
      const name = readdirSync(cache).find((n) => n.startsWith('ltspcfg-ts-site-site-') && readFileSync(join(cache, n)).includes(config));
      assert.ok(name, `${example}: a Site was kept`);
      const now = readFileSync(join(cache, name));
      if (keptFile) assert.ok(now.equals(keptFile), `${example} ${target}: the kept Site was used, not made again`);
      keptFile = now;
    }
  }
  const plain = await plainRuns;
  let rendered = 0;
  examples.forEach((example, e) =>
    targets.forEach((target, t) => {
      const i = e * targets.length + t;
      assert.deepEqual(cached[i], plain[i], `${example} ${target}`);
      if (plain[i].code === 0) rendered++;
    }),
  );
  assert.ok(rendered > 10, `${rendered} files rendered`);
});

// ---------------------------------------------------------------- kept renders
// `render TARGET` keeps what it printed (src/commands/render.ts), and the launcher
// prints it again without loading the CLI (src/render-fast.ts) while nothing it
// was made from changed. A kept output made to differ by hand shows which
// path answered: printed means used, the real render means not used.

function renderSetup() {
  const { dir, cache, root, site, cli } = siteScratch('ltspcfg-render-kept-');
  const render = (target = 'dhcpd', cacheDir = cache, ...more: string[]) => cli(['render', target, ...more], cacheDir);
  const keptRenders = () => readdirSync(cache).filter((n) => n.startsWith('ltspcfg-ts-site-render-'));
  return { dir, cache, root, site, render, keptRenders };
}

/** The kept render file with its output replaced by `output` (the header's length fixed), and header fields changed. */
function rewriteKept(path: string, output: string, header: Record<string, unknown> = {}): void {
  const text = readFileSync(path, 'utf8');
  const nl = text.indexOf('\n');
  const h = { ...JSON.parse(text.slice(0, nl)), ...header };
  const site = text.slice(nl + 1, nl + 1 + (JSON.parse(text.slice(0, nl)) as { chars: number }).chars);
  h.outputChars = output.length;
  writeFileSync(path, JSON.stringify(h) + '\n' + site + output, { mode: 0o600 });
  chmodSync(path, 0o600);
}

const MARK = '# the kept render\n';

test('a render is kept (0600) and printed again from the kept file, byte for byte', () => {
  const { cache, render, keptRenders } = renderSetup();
  const plain = render('dhcpd', 'off');
  assert.equal(plain.code, 0, plain.stderr);
  assert.deepEqual(render(), plain);
  const [file] = keptRenders();
  assert.ok(file, 'kept');
  const path = join(cache, file);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const before = readFileSync(path);
  assert.deepEqual(render(), plain, 'printed from the kept file');
  assert.ok(readFileSync(path).equals(before), 'not written again');
  rewriteKept(path, MARK);
  assert.equal(render().stdout, MARK, 'the kept file is what is printed');
});

test('a site.toml changed at the same size and the same mtime is rendered afresh (kept render and kept Site)', () => {
  const { cache, site, render, keptRenders } = renderSetup();
  // one whole second for every version of the file
  const second = Math.floor(Date.now() / 1000) - 60;
  utimesSync(site, second, second);
  assert.equal(render().code, 0);
  const path = join(cache, keptRenders()[0]);
  rewriteKept(path, MARK);
  const st = statSync(site);
  const edited = WIKI.replace('domain      = "ltsp.example.org"', 'domain      = "ltsp.example.net"');
  assert.equal(edited.length, WIKI.length, 'same size');
  assert.notEqual(edited, WIKI);
  writeFileSync(site, edited);
  utimesSync(site, second, second);
  assert.equal(statSync(site).mtimeMs, st.mtimeMs, 'same mtime');
  const fresh = render();
  assert.equal(fresh.code, 0, fresh.stderr);
  assert.match(fresh.stdout, /option domain-name "ltsp\.example\.net";/);
  assert.deepEqual(fresh, render('dhcpd', 'off'));
  // the kept Site alone (no kept render): made again too
  for (const f of keptRenders()) rmSync(join(cache, f));
  writeFileSync(site, WIKI);
  utimesSync(site, second, second);
  assert.match(render().stdout, /option domain-name "ltsp\.example\.org";/);
  assert.deepEqual(render('dhcpd', 'off'), render());
});

test('a kept render of another build, another site file, open to others or foreign is not used, and made again', () => {
  const { cache, dir, root, render, keptRenders } = renderSetup();
  const good = render();
  assert.equal(good.code, 0, good.stderr);
  const path = join(cache, keptRenders()[0]);
  const intact = readFileSync(path);
  const spoiled: Array<[string, () => void]> = [
    ['another build', () => rewriteKept(path, MARK, { key: 'main-0000000000000000-1-1-1-v20.0.0-x64' })],
    ['another --config', () => rewriteKept(path, MARK, { config: join(dir, 'other.toml') })],
    ['another --root', () => rewriteKept(path, MARK, { root: join(root, 'x') })],
    ['another target', () => rewriteKept(path, MARK, { target: 'dnsmasq' })],
    ['another --path', () => rewriteKept(path, MARK, { path: '/etc/dhcp/dhcpd.conf' })],
    ['a TFTP root that led elsewhere', () => rewriteKept(path, MARK, { tftpReal: '/srv/tftp' })],
    ['cut', () => writeFileSync(path, intact.subarray(0, intact.length - 3), { mode: 0o600 })],
    ['too long', () => writeFileSync(path, Buffer.concat([intact, Buffer.from(MARK)]), { mode: 0o600 })],
    ['readable by others', () => { rewriteKept(path, MARK); chmodSync(path, 0o644); }],
    ['writable by the group', () => { rewriteKept(path, MARK); chmodSync(path, 0o620); }],
  ];
  if (process.geteuid?.() === 0) spoiled.push(['owned by another user', () => { rewriteKept(path, MARK); chownSync(path, 65534, 65534); }]);
  for (const [what, spoil] of spoiled) {
    spoil();
    assert.deepEqual(render(), good, what);
    assert.ok(readFileSync(path).equals(intact), `${what}: made again`);
  }
});

test('a TFTP root that now leads to a system directory: exit 2 although a render was kept', () => {
  const { root, render } = renderSetup();
  assert.equal(render().code, 0);
  rmSync(join(root, 'tftpboot'), { recursive: true });
  mkdirSync(join(root, 'etc'));
  symlinkSync('etc', join(root, 'tftpboot'));
  const r = render();
  assert.equal(r.code, 2, r.stdout);
  assert.match(r.stderr, /tftp\.root: \/tftpboot leads to \/etc/);
});

test('renders made from more than site.toml are not kept: an edit of another file, a target that reads the platform', () => {
  const { cache, root, render, keptRenders } = renderSetup();
  // hosts edits /etc/hosts: made from that file as well
  mkdirSync(join(root, 'etc'));
  writeFileSync(join(root, 'etc/hosts'), '127.0.0.1 localhost\n');
  const first = render('hosts');
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(keptRenders(), []);
  writeFileSync(join(root, 'etc/hosts'), '127.0.0.1 localhost\n10.9.9.9 other\n');
  assert.match(render('hosts').stdout, /10\.9\.9\.9 other/);
  // syslog follows the syslog daemon the system runs
  const conf = ['--path', '/etc/syslog-ng/conf.d/ltsp-ts.conf'];
  const syslog = render('syslog', cache, ...conf);
  assert.equal(syslog.code, 0, syslog.stderr);
  assert.deepEqual(keptRenders(), []);
  assert.deepEqual(render('syslog', cache, ...conf), render('syslog', 'off', ...conf));
  // while dhcpd, made from site.toml alone, is
  assert.equal(render('dhcpd').code, 0);
  assert.equal(keptRenders().length, 1);
  assert.ok(readdirSync(cache).length > 1);
});

test('the launcher answers only plain render command lines; anything else goes to the CLI', () => {
  const { render, site, root, cache } = renderSetup();
  const good = render();
  assert.equal(good.code, 0);
  const run = (args: string[]) => ltspcfg(args, { env: { LTSPCFG_CODE_CACHE: cache } as NodeJS.ProcessEnv });
  // the same render in other spellings, from the kept file or not: the same bytes
  assert.deepEqual(run([`--root=${root}`, `--config=${site}`, 'render', 'dhcpd']), good);
  assert.deepEqual(run(['render', 'dhcpd', '-r', root, '-c', site, '--no-color']), good);
  // not plain: answered by the CLI as always
  const help = run(['--root', root, '--config', site, 'render', 'dhcpd', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: ltspcfg-ts render/);
  const extra = ['--root', root, '--config', site, 'render', 'dhcpd', 'extra'];
  assert.deepEqual(run(extra), ltspcfg(extra, { env: { LTSPCFG_CODE_CACHE: 'off' } as NodeJS.ProcessEnv }));
  const unknown = run(['--root', root, '--config', site, 'render', 'nosuch']);
  assert.equal(unknown.code, 2, unknown.stdout);
});

test('apply plans from the kept Site: the same files, and the state names the sha256 of the very site.toml', () => {
  const { cache, dir, site, render } = renderSetup();
  assert.equal(render('dhcpd').code, 0, 'keeps the Site');
  const kept = readdirSync(cache).find((n) => n.startsWith('ltspcfg-ts-site-site-'));
  assert.ok(kept, 'a Site was kept');
  assert.doesNotMatch(readFileSync(join(cache, kept)).toString('latin1'), /"sha256"/, 'kept without the hash');
  const apply = (root: string, cacheDir: string) => {
    mkdirSync(join(root, 'tftpboot'), { recursive: true });
    return ltspcfg(['--root', root, '--config', site, 'apply', '--yes', '--no-check', '--only', 'dhcpd,exports'], { env: { LTSPCFG_CODE_CACHE: cacheDir } as NodeJS.ProcessEnv });
  };
  const withKept = apply(join(dir, 'a'), cache);
  const without = apply(join(dir, 'b'), 'off');
  assert.equal(withKept.code, 0, withKept.stderr);
  assert.equal(withKept.stdout.replaceAll(join(dir, 'a'), 'ROOT'), without.stdout.replaceAll(join(dir, 'b'), 'ROOT'));
  for (const f of ['etc/dhcp/dhcpd.1067.conf', 'etc/exports.d/ltsp-ts.exports']) {
    assert.ok(readFileSync(join(dir, 'a', f)).equals(readFileSync(join(dir, 'b', f))), f);
  }
  const sha = createHash('sha256').update(readFileSync(site)).digest('hex');
  const state = readFileSync(join(dir, 'a/var/lib/ltsp-ts/state.json'), 'utf8');
  assert.match(state, new RegExp(`"site":\\s*"${sha}"`));
  assert.equal(state, readFileSync(join(dir, 'b/var/lib/ltsp-ts/state.json'), 'utf8').replaceAll(join(dir, 'b'), join(dir, 'a')));
});
