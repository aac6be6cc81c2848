// Every malformed or hostile site.toml in tests/fixtures/bad: exit 2, one-line
// messages naming the file, key and line, and not one byte changed under --root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CLI, REPO, hashTree, ltspcfg, scratch } from '../support/cli';

const dir = join(REPO, 'tests/fixtures/bad');
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, { key: string; line: number }>;
const MESSAGE = /^(?<file>[^:]+):(?<line>\d+):(?<col>\d+): (?:(?<key>[^ :]+): )?(?<what>[^;]+); (?<expected>.+)$/;

/** A staged root with files already in place, as on a configured server. */
function stagedRoot(): string {
  const root = scratch();
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc/hosts'), '127.0.0.1\tlocalhost\n');
  mkdirSync(join(root, 'opt/ltsp/i386/etc'), { recursive: true });
  writeFileSync(join(root, 'opt/ltsp/i386/etc/lts.conf'), '[Default]\nSERVER = 192.168.0.254\n');
  return root;
}

test('at least 100 bad fixtures exist', () => {
  assert.ok(Object.keys(expected).length >= 100, `${Object.keys(expected).length} fixtures`);
});

for (const [name, want] of Object.entries(expected)) {
  test(`bad input: ${name}`, () => {
    const root = stagedRoot();
    const before = hashTree(root);
    const file = join(dir, `${name}.toml`);
    for (const args of [['--gentoo', '--root', root, '--config', file, '--yes'], ['--root', root, '--config', file, 'apply', '--yes', '--force']]) {
      const r = ltspcfg(args);
      assert.equal(r.code, 2, `exit code for ${args.join(' ')}\n${r.stderr}`);
      const lines = r.stderr.trimEnd().split('\n');
      for (const l of lines) {
        const m = MESSAGE.exec(l);
        assert.ok(m, `not a one-line FILE:LINE:COL: key: problem; expected message: ${JSON.stringify(l)}`);
        assert.equal(m.groups!.file, file);
        assert.match(m.groups!.expected, /^(expected|did you mean|valid keys)/);
      }
      const hit = lines.map((l) => MESSAGE.exec(l)!.groups!).find((g) => (g.key ?? '') === want.key && Number(g.line) === want.line);
      assert.ok(hit, `no message names key "${want.key}" at line ${want.line}:\n${r.stderr}`);
      assert.equal(r.stdout, '', 'nothing is planned or printed on stdout for an invalid site');
    }
    assert.equal(hashTree(root), before, 'the staged root changed');
  });
}

test("the wiki's sample as written is refused with both duplicate MACs named", () => {
  const file = join(REPO, 'tests/fixtures/wiki-sample-as-written.toml');
  const r = ltspcfg(['--config', file, 'check']);
  assert.equal(r.code, 2);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 2, r.stderr);
  assert.match(lines[0], /:\d+:3: group\[2\]\.host\[1\]\.mac: MAC address 00:c0:4f:ad:5c:bc of host ws100 is already used by host desktop \(group\[1\]\.host\[1\]\.mac, line \d+\)/);
  assert.match(lines[1], /:\d+:3: group\[3\]\.host\[1\]\.mac: MAC address 00:c0:4f:ad:5d:55 of host ws103 is already used by host ws102 \(group\[2\]\.host\[3\]\.mac, line \d+\)/);
});

test('a site file that cannot be read: exit 2, the file named, nothing written', () => {
  const root = stagedRoot();
  const before = hashTree(root);
  for (const file of [join(root, 'no-such.toml'), join(root, 'etc')]) {
    const r = ltspcfg(['--root', root, '--config', file, '--yes']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:0:0: cannot read the site file: (no such file|it is a directory); expected a readable site.toml`));
  }
  assert.equal(hashTree(root), before);
});

test('a site file without read permission, as an unprivileged user', { skip: process.getuid?.() !== 0 && 'needs root to switch user' }, () => {
  const root = stagedRoot();
  const file = join(root, 'site.toml');
  writeFileSync(file, readFileSync(join(REPO, 'examples/wiki-sample.toml')), { mode: 0o600 });
  const before = hashTree(root);
  // the bundle from a directory anyone can read: the checkout itself may sit under a private home
  const bin = scratch();
  chmodSync(bin, 0o755);
  for (const f of ['ltspcfg-ts.js', 'ltspcfg-ts.bundle.js', 'ltspcfg-ts.get.js', 'ltspcfg-ts.launch.js']) copyFileSync(join(dirname(CLI), f), join(bin, f));
  const run = spawnSync(process.execPath, [join(bin, 'ltspcfg-ts.js'), '--root', root, '--config', file, 'get', 'tftp.root'], { cwd: bin, encoding: 'utf8', uid: 65534, gid: 65534 });
  const r = { code: run.status, stderr: run.stderr };
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /cannot read the site file: permission denied/);
  assert.equal(hashTree(root), before);
});

test('a --root that does not exist: exit 2, clear message', () => {
  const r = ltspcfg(['--root', '/nonexistent/ltsp-root', '--config', join(REPO, 'examples/wiki-sample.toml'), '--yes']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--root \/nonexistent\/ltsp-root: no such directory; expected an existing directory/);
});
