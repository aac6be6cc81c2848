// What apply meets on disk where it expects its own files: a FIFO, a directory,
// a file where a directory should be, a symlinked directory leading out of
// --root. Each gives one line naming the path and what is expected, exit 1, no
// stack trace, and leaves the staged tree as it was (paths, modes, owners,
// sizes, mtimes and bytes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO, hashTree, ltspcfg, scratch, type Run } from '../support/cli';

const env = { LTSPCFG_CODE_CACHE: 'off' };

/** A staged root with the wiki sample applied, then site.toml changed so that the next apply writes. */
function stagedRoot(): string {
  const root = scratch('ltspcfg-hostile-');
  mkdirSync(join(root, 'etc/ltsp'), { recursive: true });
  copyFileSync(join(REPO, 'examples/wiki-sample.toml'), join(root, 'etc/ltsp/site.toml'));
  const first = ltspcfg(['--root', root, 'apply', '--yes', '--no-check'], { env });
  assert.equal(first.code, 0, first.stderr);
  const site = join(root, 'etc/ltsp/site.toml');
  writeFileSync(site, readFileSync(site, 'utf8').replace('ws101', 'ws109'));
  return root;
}

/** One line on stderr, exit 1, no stack frame, matching `message`. */
function assertOneLine(r: Run, message: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], message);
}

const DHCPD = 'etc/dhcp/dhcpd.1067.conf';

test('a FIFO where a generated file was is refused at once, not waited on', () => {
  const root = stagedRoot();
  rmSync(join(root, DHCPD));
  assert.equal(spawnSync('mkfifo', [join(root, DHCPD)]).status, 0);
  const before = hashTree(root);
  for (const args of [['apply', '--yes'], ['status']]) {
    const r = ltspcfg(['--root', root, ...args], { env, timeout: 20_000 });
    assertOneLine(r, new RegExp(`^ltspcfg-ts: cannot read ${root}/${DHCPD}: it is a FIFO; expected a regular file`));
  }
  assert.equal(hashTree(root), before);
});

test('a directory where a generated or edited file was names it, with or without --force', () => {
  const root = stagedRoot();
  rmSync(join(root, DHCPD));
  mkdirSync(join(root, DHCPD));
  rmSync(join(root, 'etc/hosts'));
  mkdirSync(join(root, 'etc/hosts'));
  const before = hashTree(root);
  for (const args of [['apply', '--yes'], ['apply', '--yes', '--force'], ['apply', '--yes', '--only', 'hosts']]) {
    const r = ltspcfg(['--root', root, ...args], { env });
    assertOneLine(r, /^ltspcfg-ts: cannot read \S+\/etc\/(dhcp\/dhcpd\.1067\.conf|hosts): it is a directory; expected a regular file/);
  }
  assert.equal(hashTree(root), before);
});

test('a file where a directory of generated files should be is named as such', () => {
  const root = stagedRoot();
  rmSync(join(root, 'etc/dhcp'), { recursive: true });
  writeFileSync(join(root, 'etc/dhcp'), 'not a directory\n');
  const before = hashTree(root);
  const r = ltspcfg(['--root', root, 'apply', '--yes', '--only', 'dhcpd'], { env });
  assertOneLine(r, new RegExp(`^ltspcfg-ts: cannot read ${root}/${DHCPD}: ${root}/etc/dhcp is a regular file, not a directory; expected a directory there`));
  assert.equal(hashTree(root), before);
  assert.ok(existsSync(join(root, 'etc/dhcp')));
});

test('a symlinked directory leading out of --root stops apply before it writes anywhere', () => {
  const root = stagedRoot();
  const outside = scratch('ltspcfg-outside-');
  rmSync(join(root, 'etc/dhcp'), { recursive: true });
  symlinkSync(outside, join(root, 'etc/dhcp'));
  const before = hashTree(root);
  for (const args of [['apply', '--yes'], ['apply', '--yes', '--force', '--only', 'dhcpd']]) {
    const r = ltspcfg(['--root', root, ...args], { env });
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.match(r.stderr, new RegExp(`^ltspcfg-ts: ${root}/etc/dhcp leads to ${outside}, outside --root ${root}; expected a directory inside the staged system`, 'm'));
  }
  assert.equal(hashTree(root), before);
  assert.equal(hashTree(outside), hashTree(scratch('ltspcfg-empty-')), 'nothing was written outside the root');
  // the backups too: a backup directory linked out of the root
  const root2 = stagedRoot();
  const outside2 = scratch('ltspcfg-outside-');
  symlinkSync(outside2, join(root2, 'var/lib/ltsp-ts/backup'));
  const before2 = hashTree(root2);
  const r = ltspcfg(['--root', root2, 'apply', '--yes'], { env });
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(r.stderr.trimEnd().split('\n'), [
    `ltspcfg-ts: ${root2}/var/lib/ltsp-ts/backup leads to ${outside2}, outside --root ${root2}; expected a directory inside the staged system (a symbolic link in it is followed on this machine)`,
    'ltspcfg-ts: nothing was written',
  ]);
  assert.equal(hashTree(root2), before2);
});

test('a dangling symlink or a file on the way to a generated file is named before anything is written', () => {
  const root = stagedRoot();
  rmSync(join(root, 'etc/dhcp'), { recursive: true });
  symlinkSync('/nonexistent-ltspcfg-dir', join(root, 'etc/dhcp'));
  writeFileSync(join(root, 'var/lib/ltsp-ts/backup'), 'a file\n');
  const before = hashTree(root);
  const r = ltspcfg(['--root', root, 'apply', '--yes'], { env });
  assert.equal(r.code, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at |EEXIST|ENOTDIR/);
  assert.match(r.stderr, new RegExp(`^ltspcfg-ts: ${root}/etc/dhcp is a symbolic link to /nonexistent-ltspcfg-dir, which does not exist; expected a directory`, 'm'));
  assert.match(r.stderr, new RegExp(`^ltspcfg-ts: ${root}/var/lib/ltsp-ts/backup is a regular file, not a directory; expected a directory`, 'm'));
  assert.match(r.stderr, /^ltspcfg-ts: nothing was written$/m);
  assert.equal(hashTree(root), before, 'not even the stamp is dropped');
});

test('a damaged ltsp-ts block in a file another package owns is refused with its line, never guessed at', () => {
  const root = stagedRoot();
  const hosts = readFileSync(join(root, 'etc/hosts'), 'utf8');
  const lines = hosts.trimEnd().split('\n');
  const noEnd = lines.filter((l) => !l.startsWith('# END ltsp-ts')).join('\n');
  const noBegin = lines.filter((l) => !l.startsWith('# BEGIN ltsp-ts')).join('\n');
  const cases: [string, RegExp][] = [
    // two blocks: the second was left stale while the first was replaced
    [`10.0.0.1 mine\n${hosts}10.0.0.2 after\n${hosts}`, /^ltspcfg-ts: \/etc\/hosts:11: a second ltsp-ts block \(the first begins at line 2\); expected one block from "# BEGIN ltsp-ts" to "# END ltsp-ts"/],
    // a begin line alone: another block was appended, and the next run took the admin's lines between the two
    [`10.0.0.1 mine\n${noEnd}\n10.0.0.2 after\n`, /^ltspcfg-ts: \/etc\/hosts:2: a begin line without its end line; expected one block/],
    [`10.0.0.1 mine\n${noBegin}\n10.0.0.2 after\n`, /^ltspcfg-ts: \/etc\/hosts:8: an end line without a begin line; expected one block/],
  ];
  for (const [text, message] of cases) {
    writeFileSync(join(root, 'etc/hosts'), text);
    const before = hashTree(root);
    for (const args of [['apply', '--yes'], ['apply', '--yes', '--force', '--only', 'hosts'], ['render', 'hosts']]) {
      const r = ltspcfg(['--root', root, ...args], { env });
      assertOneLine(r, message);
    }
    assert.equal(hashTree(root), before);
  }
});
