// What apply asks of the kernel, seen through strace: every file reaches the
// disk (fsync of its temporary file) before it is renamed over its
// destination, and every directory that received a file is fsync'd after the
// last rename into it, so a crash leaves the old file or the new one, never an
// empty one. A second apply keeps the previous file in
// /var/lib/ltsp-ts/backup, written the same way. Nothing else in
// the suite can tell a write with these fsyncs from one without them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CLI, REPO, scratch } from '../support/cli';

const strace = spawnSync('strace', ['-V'], { stdio: 'ignore' }).error === undefined;

// the stamp is a cache: apply checks it and ignores a damaged one (tests/unit/apply-stamp.test.ts)
const CACHES = new Set(['/var/lib/ltsp-ts/stamp.json']);

interface Trace {
  /** [temporary file, destination], in order */
  renames: [string, string][];
  /** index of each event in the trace, by kind and path */
  fsyncAt: Map<string, number[]>;
  renameAt: Map<string, number>;
}

/** Runs ltspcfg-ts under strace -f -y (descriptors shown with their paths); fsyncs and renames in order. */
function traced(args: string[], dir: string): Trace {
  const out = join(dir, `strace-${Date.now()}`);
  const r = spawnSync('strace', ['-f', '-qq', '-y', '-e', 'trace=fsync,fdatasync,rename,renameat,renameat2', '-o', out, process.execPath, CLI, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: '1', LTSPCFG_CODE_CACHE: 'off' },
  });
  assert.equal(r.status, 0, `ltspcfg-ts ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  const trace: Trace = { renames: [], fsyncAt: new Map(), renameAt: new Map() };
  readFileSync(out, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const sync = /\bf(?:data)?sync\(\d+<([^>]*)>/.exec(line);
      if (sync) {
        // an unfinished call is counted where it started; it returned before any later rename (the caller awaits it)
        const list = trace.fsyncAt.get(sync[1]) ?? [];
        list.push(i);
        trace.fsyncAt.set(sync[1], list);
      }
      const ren = /\brename(?:at2?)?\((?:AT_FDCWD, )?"([^"]*)", (?:AT_FDCWD, )?"([^"]*)"/.exec(line);
      if (ren && / = 0$/.test(line)) {
        trace.renames.push([ren[1], ren[2]]);
        trace.renameAt.set(ren[2], i);
      }
    });
  return trace;
}

function assertDurable(trace: Trace, root: string): number {
  let files = 0;
  const lastRenameInto = new Map<string, number>();
  for (const [from, to] of trace.renames) {
    if (!to.startsWith(root + '/') || CACHES.has(to.slice(root.length))) continue;
    files++;
    const at = trace.renameAt.get(to)!;
    assert.ok((trace.fsyncAt.get(from) ?? []).some((i) => i < at), `${to.slice(root.length)}: renamed from ${from} without an fsync of it first`);
    lastRenameInto.set(dirname(to), Math.max(lastRenameInto.get(dirname(to)) ?? -1, at));
  }
  for (const [d, last] of lastRenameInto) {
    assert.ok((trace.fsyncAt.get(d) ?? []).some((i) => i > last), `${d.slice(root.length) || '/'}: no fsync of the directory after its last rename`);
  }
  return files;
}

test('apply: each file fsync\'d before its rename, each directory after; a second apply keeps the old file', { skip: !strace && 'strace is not installed' }, (t) => {
  const dir = scratch('ltspcfg-durable-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, 'root');
  mkdirSync(root);
  const site = join(dir, 'site.toml');
  const wiki = readFileSync(join(REPO, 'examples/wiki-sample.toml'), 'utf8');
  writeFileSync(site, wiki);
  const apply = ['--root', root, '--config', site, '--no-color', 'apply', '--yes'];

  const first = assertDurable(traced(apply, dir), root);
  assert.ok(first >= 10, `${first} files written by the first apply`);

  const conf = join(root, 'etc/dhcp/dhcpd.1067.conf');
  const before = readFileSync(conf, 'utf8');
  const changed = wiki.replace(/^domain\s*=.*$/m, 'domain = "lab.example.org"');
  assert.notEqual(changed, wiki, 'the example names a domain');
  writeFileSync(site, changed);
  const second = traced(apply, dir);
  assert.ok(assertDurable(second, root) >= 1, 'the second apply rewrote the changed file');
  assert.ok(readFileSync(conf, 'utf8').includes('lab.example.org'));
  const backup = join(root, 'var/lib/ltsp-ts/backup/etc/dhcp/dhcpd.1067.conf');
  assert.equal(readFileSync(backup, 'utf8'), before, 'the previous version kept in /var/lib/ltsp-ts/backup');
  assert.ok(second.renames.some(([, to]) => to === backup), 'the backup put in place by a rename (and checked above like every file)');
});
