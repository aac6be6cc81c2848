// What apply meets on disk where it expects its own files: a FIFO, a directory,
// a file where a directory should be, a symlinked directory leading out of
// --root. Each gives one line naming the path and what is expected, exit 1, no
// stack trace, and leaves the staged tree as it was (paths, modes, owners,
// sizes, mtimes and bytes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
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

/** Every entry under dir: path, type, mode, owner, size, and a file's mtime and bytes (not a directory's mtime). */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      const what = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? `link ${readlinkSync(p)}` : st.isFile() ? `file ${st.mtimeMs} ${createHash('sha256').update(readFileSync(p)).digest('hex')}` : 'other';
      out.push(`${p.slice(dir.length)} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.size} ${what}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

/** Runs a shell script in a private mount namespace (root only); null when this machine cannot. */
function inMountNamespace(script: string, args: string[]): { code: number | null; stdout: string; stderr: string } | null {
  if (process.getuid?.() !== 0) return null;
  const r = spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1', ...env } });
  if (r.error) return null;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const CLI_ARGS = [process.execPath, join(REPO, 'dist/ltspcfg-ts.js')];

test('a read-only mount or a full disk under apply: one line, exit 1, and the system as it was (the stamp too)', (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root for a private mount namespace');
  // read-only: /etc bound read-only over itself
  const root = stagedRoot();
  const before = hashTree(root);
  const ro = inMountNamespace('mount --bind "$1/etc" "$1/etc" && mount -o remount,bind,ro "$1/etc" && "$2" "$3" --root "$1" apply --yes --no-check', [root, ...CLI_ARGS]);
  if (ro === null) return t.skip('unshare -m is not available here');
  assert.equal(ro.code, 1, ro.stderr);
  assert.match(ro.stderr, new RegExp(`^ltspcfg-ts: cannot write ${root}/etc/\\S+: the file system is read-only; nothing was changed\\n$`));
  assert.equal(hashTree(root), before);
  // full: a 64 KiB tmpfs, nearly full, where the PXE configs go; what the run leaves there is listed from inside
  const beforeListing = listing(root);
  const work = scratch('ltspcfg-full-');
  const full = inMountNamespace(
    'd="$1/tftpboot/pxelinux.cfg"; cp -a "$d/." "$4/keep" && mount -t tmpfs -o size=64k tmpfs "$d" && cp -a "$4/keep/." "$d/"; { cat /dev/zero > "$d/fill"; } 2>/dev/null; ' +
      'ls -A "$d" > "$4/before"; "$2" "$3" --root "$1" apply --yes --no-check; rc=$?; ls -A "$d" | diff "$4/before" - >&2; exit $rc',
    [root, ...CLI_ARGS, work],
  );
  assert.ok(full);
  assert.equal(full.code, 1, full.stderr);
  assert.match(full.stderr, new RegExp(`^ltspcfg-ts: cannot write ${root}/tftpboot/pxelinux\\.cfg/\\S+: no space left on the device; nothing was changed\\n$`));
  // a failed write cannot hide that a temporary file came and went in a directory (its mtime): the rest is compared
  assert.deepEqual(listing(root), beforeListing, 'no temporary file in the full directory, and the rest as it was');
});

test('a state file this user cannot read is said to be unreadable, not damaged (moving it aside would lose it)', (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to run the CLI as another user');
  const root = stagedRoot();
  spawnSync('chmod', ['-R', 'a+rX', root]);
  spawnSync('chmod', ['600', join(root, 'var/lib/ltsp-ts/state.json')]);
  const before = hashTree(root);
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...CLI_ARGS, '--root', root, 'apply', '--yes', '--no-check'], { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.error) return t.skip('setpriv is not available here');
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr, `ltspcfg-ts: cannot read ${root}/var/lib/ltsp-ts/state.json: permission denied; expected the state file of ltspcfg-ts, readable by this user (run ltspcfg-ts as root); nothing was written\n`);
  assert.equal(hashTree(root), before);
});
