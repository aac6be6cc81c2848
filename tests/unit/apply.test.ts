// Safe apply through the real CLI on staged roots: idempotence, hand edits,
// backups, marked blocks, all-or-nothing writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, hashTree, ltspcfg, scratch } from '../support/cli';
import { serializeState } from '../../src/system/state';

const WIKI = join(REPO, 'examples/wiki-sample.toml');
const LTS = 'opt/ltsp/i386/etc/lts.conf';
const apply = (root: string, ...extra: string[]) => ltspcfg(['--gentoo', '--root', root, '--config', WIKI, 'apply', '--yes', '--only', 'lts.conf,hosts', ...extra]);

test('first apply writes lts.conf and the hosts block; the second changes nothing and says so', () => {
  const root = scratch();
  const first = apply(root);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /create {2}\/opt\/ltsp\/i386\/etc\/lts.conf/);
  assert.match(first.stdout, /Wrote 2 change\(s\)\./);
  const lts = readFileSync(join(root, LTS), 'utf8');
  assert.match(lts, /^\[Default\]\nSERVER = 192\.168\.0\.254\nXF86CONFIG_FILE = XF86Config\.ltn\n/m);
  assert.match(lts, /^USE_NFS_SWAP = Y$/m);
  assert.match(lts, /^\[ws102\]\nXSERVER = vesa$/m);
  assert.equal(statSync(join(root, LTS)).mode & 0o7777, 0o644);
  const hosts = readFileSync(join(root, 'etc/hosts'), 'utf8');
  for (const h of ['desktop', 'ws100', 'ws101', 'ws102', 'ws103']) assert.match(hosts, new RegExp(`^192\\.168\\.0\\.\\d+\\t${h} ${h}\\.ltsp\\.example\\.org$`, 'm'));

  const before = hashTree(root);
  const second = apply(root);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /Nothing to do: every file is up to date\./);
  assert.equal(hashTree(root), before, 'no write and no mtime change on the second run');
});

test('a hand edit is refused with a diff and exit 1 until --force, which keeps the old version', () => {
  const root = scratch();
  assert.equal(apply(root).code, 0);
  appendFileSync(join(root, LTS), 'XSERVER = nv\n');
  const edited = readFileSync(join(root, LTS));
  const before = hashTree(root);
  const refused = apply(root);
  assert.equal(refused.code, 1);
  assert.match(refused.stdout, /refuse {2}\/opt\/ltsp\/i386\/etc\/lts\.conf {2}\(lts\.conf: edited by hand since ltspcfg-ts wrote it/);
  assert.match(refused.stdout, /^ +-XSERVER = nv$/m, 'the diff shows the hand edit');
  assert.match(refused.stderr, /changed by hand; nothing was written/);
  assert.equal(hashTree(root), before, 'nothing written while a file is refused');

  const forced = apply(root, '--force');
  assert.equal(forced.code, 0, forced.stderr);
  assert.doesNotMatch(readFileSync(join(root, LTS), 'utf8'), /XSERVER = nv/);
  assert.deepEqual(readFileSync(join(root, 'var/lib/ltsp-ts/backup', LTS)), edited, 'the previous version is kept');
  assert.equal(apply(root).code, 0, 'after --force the file is managed again');
});

test('a file that existed before ltspcfg-ts is not replaced without --force', () => {
  const root = scratch();
  mkdirSync(join(root, 'opt/ltsp/i386/etc'), { recursive: true });
  writeFileSync(join(root, LTS), '[Default]\nSERVER = 10.0.0.1\n');
  const r = apply(root);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /exists and was not written by ltspcfg-ts/);
  assert.equal(readFileSync(join(root, LTS), 'utf8'), '[Default]\nSERVER = 10.0.0.1\n');
  assert.ok(!existsSync(join(root, 'etc/hosts')), 'no other file written either');
});

test('a changed site.toml updates the file (stale, not drifted)', () => {
  const root = scratch();
  assert.equal(apply(root).code, 0);
  const site = join(root, 'site.toml');
  writeFileSync(site, readFileSync(WIKI, 'utf8').replace('XSERVER = "vesa"', 'XSERVER = "vga"'));
  const status = ltspcfg(['--root', root, '--config', site, 'status', '--json']);
  const files = JSON.parse(status.stdout).files as { path: string; state: string }[];
  assert.equal(files.find((f) => f.path === '/' + LTS)?.state, 'stale');
  const r = ltspcfg(['--root', root, '--config', site, 'apply', '--yes', '--only', 'lts.conf']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /update {2}\/opt\/ltsp\/i386\/etc\/lts\.conf/);
  assert.match(readFileSync(join(root, LTS), 'utf8'), /XSERVER = vga/);
});

test('the hosts block keeps every other line of /etc/hosts byte for byte, and hand edits inside it are detected', () => {
  const root = scratch();
  mkdirSync(join(root, 'etc'));
  const others = '# /etc/hosts: local host names\n127.0.0.1\tlocalhost\n::1\t\tlocalhost\n\n192.168.0.5\tprinter  # the lab printer\n';
  writeFileSync(join(root, 'etc/hosts'), others);
  assert.equal(apply(root).code, 0);
  const after = readFileSync(join(root, 'etc/hosts'), 'utf8');
  assert.ok(after.startsWith(others), 'existing lines untouched');
  assert.match(after, /# BEGIN ltsp-ts[^\n]*\n(.+\n)+# END ltsp-ts\n$/);
  // an edit outside the block is the admin's business; apply still has nothing to do
  appendFileSync(join(root, 'etc/hosts'), '192.168.0.6\tscanner\n');
  const again = apply(root);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /Nothing to do/);
  // an edit inside the block is a hand edit
  writeFileSync(join(root, 'etc/hosts'), readFileSync(join(root, 'etc/hosts'), 'utf8').replace('ws101 ws101', 'ws101 lab101'));
  const refused = apply(root);
  assert.equal(refused.code, 1);
  assert.match(refused.stdout, /refuse {2}\/etc\/hosts/);
});

test('--dry-run and a run without a terminal and without --yes write nothing', () => {
  const root = scratch();
  const before = hashTree(root);
  const dry = ltspcfg(['--root', root, '--config', WIKI, 'apply', '--dry-run', '--yes', '--only', 'lts.conf']);
  assert.equal(dry.code, 0);
  assert.match(dry.stdout, /Dry run: 1 change\(s\) not written\./);
  assert.equal(hashTree(root), before);
});

const NO_TERMINAL = /^ltspcfg-ts: 1 change\(s\) planned, none written: no terminal to confirm them; pass --yes to write them, or --dry-run to only show the plan$/m;

test('without --yes and without a terminal: the plan, nothing written, one line on stderr naming --yes and --dry-run, exit 1 (as emerge --ask)', () => {
  const root = scratch();
  const before = hashTree(root);
  const noTty = ltspcfg(['--root', root, '--config', WIKI, 'apply', '--only', 'lts.conf'], { stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(noTty.code, 1, noTty.stderr);
  assert.match(noTty.stdout, /create {2}\/opt\/ltsp\/i386\/etc\/lts\.conf/);
  assert.match(noTty.stderr, NO_TERMINAL);
  assert.equal(noTty.stderr.split('\n').filter(Boolean).length, 1, noTty.stderr);
  assert.equal(hashTree(root), before, 'nothing written');
  // the default action alike (its status says exit 1 on a bare root anyway: the line is what tells)
  const plain = ltspcfg(['--gentoo', '--root', root, '--config', WIKI], { stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(plain.code, 1, plain.stderr);
  assert.match(plain.stderr, /^ltspcfg-ts: \d+ change\(s\) planned, none written: no terminal to confirm them; pass --yes to write them, or --dry-run to only show the plan$/m);
  assert.equal(hashTree(root), before, 'nothing written by the default action');
  // nothing to write: nothing to confirm, exit 0, stderr quiet
  assert.equal(ltspcfg(['--root', root, '--config', WIKI, 'apply', '--yes', '--only', 'lts.conf']).code, 0);
  const done = ltspcfg(['--root', root, '--config', WIKI, 'apply', '--only', 'lts.conf'], { stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(done.code, 0, done.stderr);
  assert.equal(done.stderr, '');
  assert.match(done.stdout, /Nothing to do: every file is up to date\./);
});

test('--diff shows the change to be written', () => {
  const root = scratch();
  const r = ltspcfg(['--root', root, '--config', WIKI, 'apply', '--dry-run', '--diff', '--only', 'lts.conf']);
  assert.match(r.stdout, /\+\+\+ \/opt\/ltsp\/i386\/etc\/lts\.conf \(planned\)/);
  assert.match(r.stdout, /^ +\+SERVER = 192\.168\.0\.254$/m);
});

test('a read-only target directory: clear error, exit 1, nothing half-written', { skip: process.getuid?.() !== 0 && 'needs root for a read-only bind mount' }, () => {
  const root = scratch();
  mkdirSync(join(root, 'opt/ltsp/i386/etc'), { recursive: true });
  mkdirSync(join(root, 'etc'));
  writeFileSync(join(root, 'etc/hosts'), '127.0.0.1\tlocalhost\n');
  const before = hashTree(root);
  // hosts is written first in a directory that stays writable; lts.conf's directory is read-only
  const cmd = `mount --bind ${root}/opt ${root}/opt && mount -o remount,bind,ro ${root}/opt && exec "$0" "$@"`;
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', cmd, process.execPath, join(REPO, 'dist/ltspcfg-ts.js'), '--root', root, '--config', WIKI, 'apply', '--yes', '--only', 'hosts,lts.conf'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /cannot write .*\/opt\/ltsp\/i386\/etc\/lts\.conf: the file system is read-only; nothing was changed/);
  assert.equal(hashTree(root), before, 'the hosts block was not written either');
});

test('writes are atomic: no temporary file is left behind', () => {
  const root = scratch();
  assert.equal(apply(root).code, 0);
  const leftovers = spawnSync('find', [root, '-name', '*.tmp'], { encoding: 'utf8' }).stdout;
  assert.equal(leftovers, '');
});

test('state.json lists its files by path in code-unit order, the same bytes in any locale', () => {
  const paths = ['/etc/b', '/etc/B', '/etc/a.b', '/etc/a-b', '/etc/a_b', '/etc/\u00e9', '/etc/e'];
  const files = Object.fromEntries(paths.map((p) => [p, { target: 't', sha256: '0'.repeat(64), site: '1'.repeat(64), kind: 'file' as const }]));
  const listed = Object.keys(JSON.parse(serializeState({ version: 1, files })).files);
  assert.deepEqual(listed, ['/etc/B', '/etc/a-b', '/etc/a.b', '/etc/a_b', '/etc/b', '/etc/e', '/etc/\u00e9']);
});
