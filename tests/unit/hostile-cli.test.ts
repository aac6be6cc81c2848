// The command line against odd options and odd outputs: --root that is not a
// directory (each case named as what it is), an empty --root (an unset shell
// variable must not mean the current directory), and a reader of stdout that
// goes away before the end (the command still finishes, with its own exit code).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, REPO, hashTree, ltspcfg, scratch, type Run } from '../support/cli';

const env = { LTSPCFG_CODE_CACHE: 'off' };

function assertUsage(r: Run, message: string): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `ltspcfg-ts: ${message}\n`);
}

test('--root that is not a directory says what it is', () => {
  const dir = scratch();
  writeFileSync(join(dir, 'file'), 'x\n');
  symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
  symlinkSync('loop', join(dir, 'loop'));
  const expected = 'expected an existing directory to stage the system in';
  for (const args of [['status'], ['apply', '--yes'], ['get', 'tftp.root'], ['render', 'dhcpd'], ['--yes']]) {
    assertUsage(ltspcfg(['--root', join(dir, 'file'), ...args], { env }), `--root ${dir}/file: it is a regular file, not a directory; ${expected}`);
    assertUsage(ltspcfg(['--root', join(dir, 'file/sub'), ...args], { env }), `--root ${dir}/file/sub: ${dir}/file is a regular file, not a directory; ${expected}`);
    assertUsage(ltspcfg(['--root', join(dir, 'dangling'), ...args], { env }), `--root ${dir}/dangling: it is a symbolic link to ${dir}/nowhere, which does not exist; ${expected}`);
    assertUsage(ltspcfg(['--root', join(dir, 'missing'), ...args], { env }), `--root ${dir}/missing: no such directory; ${expected}`);
    assertUsage(ltspcfg(['--root', join(dir, 'loop'), ...args], { env }), `--root ${dir}/loop: too many symbolic links; ${expected}`);
    assertUsage(ltspcfg(['--root', '/dev/null', ...args], { env }), `--root /dev/null: it is a character device, not a directory; ${expected}`);
  }
});

test('an empty --root is refused, not taken for the current directory', () => {
  const cwd = scratch();
  mkdirSync(join(cwd, 'etc/ltsp'), { recursive: true });
  copyFileSync(join(REPO, 'examples/wiki-sample.toml'), join(cwd, 'etc/ltsp/site.toml'));
  const before = hashTree(cwd);
  for (const args of [['apply', '--yes', '--no-check'], ['--yes'], ['get', 'tftp.root'], ['render', 'dhcpd'], ['apply', '--yes', '--only', 'dhcpd']]) {
    for (const root of [['--root', ''], ['--root='], ['-r', '']]) {
      const r = ltspcfg([...root, ...args], { env, cwd });
      assertUsage(r, '--root "": it is empty; expected an existing directory to stage the system in');
    }
  }
  assert.equal(hashTree(cwd), before, 'nothing was written in the current directory');
});

/** Runs the CLI with a stdout whose reader is gone before the first write; resolves with its exit code and stderr. */
function withoutReader(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    // our end of the pipe closed at once: every write of the child meets EPIPE
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

test('a reader of stdout that goes away ends the output, not the command: apply still writes, exit codes stay true', async () => {
  const root = scratch();
  mkdirSync(join(root, 'etc/ltsp'), { recursive: true });
  const site = join(root, 'etc/ltsp/site.toml');
  copyFileSync(join(REPO, 'examples/wiki-sample.toml'), site);
  // status of a staged root finds problems (nothing installed): exit 1, not 0
  const status = await withoutReader(['--root', root, 'status']);
  assert.deepEqual(status, { code: 1, stderr: '' });
  for (const args of [['apply', '--yes', '--no-check'], ['apply', '--yes', '--no-check', '--diff']]) {
    writeFileSync(site, readFileSync(join(REPO, 'examples/wiki-sample.toml'), 'utf8').replace(/ws101/g, `ws${args.length}`));
    const apply = await withoutReader(['--root', root, ...args]);
    assert.deepEqual(apply, { code: 0, stderr: '' }, args.join(' '));
    const after = ltspcfg(['--root', root, 'apply', '--no-check', '--dry-run'], { env });
    assert.doesNotMatch(after.stdout, /^\s+(create|update|remove)\s/m, `${args.join(' ')} wrote everything it planned`);
    assert.match(after.stdout, /Nothing to (do|write)/);
    assert.match(readFileSync(join(root, 'etc/dhcp/dhcpd.1067.conf'), 'utf8'), new RegExp(`host ws${args.length} `));
  }
  // a refused apply keeps its exit code too
  writeFileSync(join(root, 'etc/dhcp/dhcpd.1067.conf'), 'edited by hand\n');
  writeFileSync(site, readFileSync(join(REPO, 'examples/wiki-sample.toml'), 'utf8'));
  const refused = await withoutReader(['--root', root, 'apply', '--yes', '--no-check']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /changed by hand; nothing was written/);
});

test('an empty --only or --config (an unset shell variable) is refused, not taken for every target or no file', () => {
  const root = scratch();
  mkdirSync(join(root, 'etc/ltsp'), { recursive: true });
  copyFileSync(join(REPO, 'examples/wiki-sample.toml'), join(root, 'etc/ltsp/site.toml'));
  const before = hashTree(root);
  for (const only of ['', ' ', '--only=']) {
    const args = only === '--only=' ? ['apply', '--yes', '--no-check', only] : ['apply', '--yes', '--no-check', '--only', only];
    assertUsage(ltspcfg(['--root', root, ...args], { env }), '--only "": no target named; expected targets, comma-separated (see ltspcfg-ts targets)');
  }
  for (const args of [['get', 'tftp.root'], ['render', 'dhcpd'], ['apply', '--yes'], ['status']]) {
    assertUsage(ltspcfg(['--root', root, '--config', '', ...args], { env }), '--config "": it is empty; expected the path of a site.toml (without --config: /etc/ltsp/site.toml under --root)');
  }
  assert.equal(hashTree(root), before, 'nothing was written');
});

test('a word no command takes is refused, not ignored: `apply dhcpd` must not apply every target', () => {
  const root = scratch();
  mkdirSync(join(root, 'etc/ltsp'), { recursive: true });
  copyFileSync(join(REPO, 'examples/wiki-sample.toml'), join(root, 'etc/ltsp/site.toml'));
  const before = hashTree(root);
  const cases: [string[], string, string][] = [
    [['apply', '--yes', 'dhcpd'], 'apply', 'Expected 0 arguments but got 1'],
    [['apply', 'dhcpd', '--yes', '--no-check'], 'apply', 'Expected 0 arguments but got 1'],
    [['status', 'dhcpd'], 'status', 'Expected 0 arguments but got 1'],
    [['check', 'now'], 'check', 'Expected 0 arguments but got 1'],
    [['render', 'dhcpd', 'exports'], 'render', 'Expected 1 argument but got 2'],
    [['targets', 'dhcpd'], 'targets', 'Expected 0 arguments but got 1'],
    [['clients', 'thin01'], 'clients', 'Expected 0 arguments but got 1'],
  ];
  for (const [args, command, expected] of cases) {
    assertUsage(ltspcfg(['--root', root, ...args], { env }), `too many arguments for '${command}'. ${expected}; see ltspcfg-ts ${command} --help`);
  }
  assert.equal(hashTree(root), before, 'nothing was written');
});

test('get: an index past an array is an error, not an empty value; names of Object.prototype are no tables', () => {
  const wiki = join(REPO, 'examples/wiki-sample.toml');
  for (const [key, code, message] of [
    ['group[9].name', 1, 'get: group[9].name: site.toml has 3 [[group]] table(s); expected an index from 1 to 3 in group[9]'],
    ['group[99999999999999999999].name', 1, 'get: group[99999999999999999999].name: site.toml has 3 [[group]] table(s); expected an index from 1 to 3 in group[99999999999999999999]'],
    ['group[1].host[7].mac', 1, 'get: group[1].host[7].mac: group[1] has 1 [[group.host]] table(s); expected an index from 1 to 1 in host[7]'],
    ['host[1].mac', 1, 'get: host[1].mac: site.toml has 0 [[host]] table(s); expected none in host[1]'],
    ['group[0].name', 2, 'get: group[0].name: indexes count from 1; expected group[1] for the first'],
  ] as const) {
    for (const args of [['get', key], ['get', '--shell', key]]) {
      const r = ltspcfg(['--config', wiki, ...args], { env });
      assert.deepEqual(r, { code, stdout: '', stderr: `ltspcfg-ts: ${message}\n` }, args.join(' '));
    }
  }
  // an unset optional key still prints an empty line
  assert.deepEqual(ltspcfg(['--config', wiki, 'get', 'group[1].host[1].nic'], { env }), { code: 0, stdout: '\n', stderr: '' });
  for (const name of ['__proto__', 'toString', 'constructor', 'hasOwnProperty', 'tftp.__proto__']) {
    const r = ltspcfg(['--config', wiki, 'get', '--shell', name], { env });
    assert.equal(r.code, 2, `${name}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^ltspcfg-ts: get: unknown key "${name.replace(/\./g, '\\.')}"; [^\\n]*\\n$`));
  }
});

test('a site.toml saved with a byte order mark is named as such, with its line, for every way in', () => {
  const dir = scratch();
  const site = join(dir, 'site.toml');
  writeFileSync(site, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(join(REPO, 'examples/wiki-sample.toml'))]));
  for (const args of [['get', 'tftp.root'], ['get', '--shell', 'tftp'], ['render', 'dhcpd'], ['apply', '--dry-run'], ['check']]) {
    const r = ltspcfg(['--root', dir, '--config', site, ...args], { env });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, `${site}:1:1: the file begins with a byte order mark (U+FEFF); expected UTF-8 without one (save the file without BOM)\n`, args.join(' '));
  }
});

test('a stdout that refuses writes (a full disk: /dev/full) is one line and exit 1 for every command, never a trace', () => {
  const dir = scratch();
  const wiki = join(REPO, 'examples/wiki-sample.toml');
  const full = openSync('/dev/full', 'w');
  try {
    for (const args of [['targets'], ['--help'], ['--version'], ['get', 'tftp.root'], ['get', '--shell', 'tftp'], ['render', 'dhcpd'], ['status'], ['apply', '--dry-run'], ['clients', '--json']]) {
      const r = spawnSync(process.execPath, [CLI, '--root', dir, '--config', wiki, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', full, 'pipe'] });
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, 'ltspcfg-ts: cannot write the output: no space left on the device; expected standard output open for writing\n', args.join(' '));
    }
  } finally {
    closeSync(full);
  }
});

test('kept caches replaced by FIFOs are passed over at once, not waited on', () => {
  const cache = scratch('ltspcfg-cache-');
  const wiki = join(REPO, 'examples/wiki-sample.toml');
  const dir = scratch();
  const run = (args: string[]) => ltspcfg(['--root', dir, '--config', wiki, ...args], { env: { LTSPCFG_CODE_CACHE: cache }, timeout: 30_000 });
  const want = { get: run(['get', 'tftp.root']), render: run(['render', 'dhcpd']) };
  assert.equal(want.get.stdout, '/tftpboot\n');
  // the second runs keep their answers too
  run(['get', 'tftp.root']);
  run(['render', 'dhcpd']);
  const files = readdirSync(cache);
  assert.ok(files.some((f) => f.endsWith('.cache')), `code caches made: ${files.join(' ')}`);
  for (const f of files) {
    rmSync(join(cache, f));
    assert.equal(spawnSync('mkfifo', ['-m', '600', join(cache, f)]).status, 0);
  }
  assert.deepEqual(run(['get', 'tftp.root']), want.get);
  assert.deepEqual(run(['render', 'dhcpd']), want.render);
});
