// The TFTP tree fix raced by a user who owns a directory inside the root and
// swaps entries for symlinks (and hard links) to things outside, as fast as it
// can, while the fix runs hundreds of times. Nothing outside may change owner
// or mode. Needs root (chown); skipped otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, chmodSync, chownSync, closeSync, fchmodSync, fchownSync, linkSync, openSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixTree } from '../../src/system/tree';
import { checkTree } from '../../src/system/treecheck';
import { checkFiles } from '../../src/status/files';
import type { FileStatus } from '../../src/system/inspect';

const isRoot = process.getuid?.() === 0;
const ROUNDS = 400;

/** Every entry under dir: path -> uid:gid mode, symlinks not followed. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      out.set(p, `${st.uid}:${st.gid} ${(st.mode & 0o7777).toString(8)}`);
      if (st.isDirectory()) walk(p);
    }
  };
  const st = lstatSync(dir);
  out.set(dir, `${st.uid}:${st.gid} ${(st.mode & 0o7777).toString(8)}`);
  walk(dir);
  return out;
}

// The swapper: renames a real directory away and a symlink to the outside into
// its place, then back; and a file for a hard link to an outside file. Bounded
// in time; records how many swaps it made every ten.
const SWAPPER = `
const fs = require('node:fs');
const [dir, file, outsideDir, hardOutside, seconds] = process.argv.slice(1);
const until = Date.now() + Number(seconds) * 1000;
let swaps = 0;
try { fs.symlinkSync(outsideDir, dir + '.link'); } catch {}
try { fs.linkSync(hardOutside, file + '.hard'); } catch {}
fs.writeFileSync(dir + '.swaps', '0');
const pause = () => { const end = process.hrtime.bigint() + BigInt(Math.floor(Math.random() * 300_000)); while (process.hrtime.bigint() < end); };
while (Date.now() < until) {
  // each state lasts a moment, so that a walk can see one state at its check and the other at its use
  try {
    if (swaps % 2 === 0) {
      fs.renameSync(dir, dir + '.real');
      fs.renameSync(dir + '.link', dir);
      fs.renameSync(file, file + '.real');
      fs.renameSync(file + '.hard', file);
    } else {
      fs.renameSync(dir, dir + '.link');
      fs.renameSync(dir + '.real', dir);
      fs.renameSync(file, file + '.hard');
      fs.renameSync(file + '.real', file);
    }
    swaps++;
  } catch {}
  pause();
  if (swaps % 10 === 0) fs.writeFileSync(dir + '.swaps', String(swaps));
}
`;

test('a swapping loop never gets the fix to change anything outside the root', { skip: !isRoot && 'needs root (chown)', timeout: 300_000 }, async () => {
  const base = mkdtempSync(join(tmpdir(), 'ltsp-race-'));
  try {
    const tftp = join(base, 'tftpboot');
    const outside = join(base, 'outside');
    const user = join(tftp, 'user'); // a directory the attacker owns inside the tree
    mkdirSync(join(user, 'victim/deeper'), { recursive: true });
    mkdirSync(join(outside, 'sub'), { recursive: true });
    for (let i = 0; i < 20; i++) writeFileSync(join(outside, `secret${i}`), 'x', { mode: 0o600 });
    writeFileSync(join(outside, 'sub/deep'), 'x', { mode: 0o600 });
    // symlinks outside are the easiest prey: a walk that lists or lchowns by path changes them
    for (let i = 0; i < 30; i++) symlinkSync(`secret${i % 20}`, join(outside, `link${i}`));
    for (let i = 0; i < 10; i++) symlinkSync('deep', join(outside, `sub/link${i}`));
    writeFileSync(join(outside, 'hard-target'), 'x', { mode: 0o4750 });
    chmodSync(join(outside, 'hard-target'), 0o4750);
    for (let i = 0; i < 5; i++) writeFileSync(join(user, `victim/f${i}`), 'k', { mode: 0o600 });
    writeFileSync(join(user, 'victim/deeper/g'), 'k', { mode: 0o600 });
    writeFileSync(join(user, 'file'), 'k', { mode: 0o600 });
    symlinkSync(outside, join(user, 'plain-link'));
    chmodSync(outside, 0o700);
    const before = snapshot(outside);
    const insideFds = [...[0, 1, 2, 3, 4].map((i) => join(user, `victim/f${i}`)), join(user, 'victim/deeper/g'), join(user, 'file')].map((p) => openSync(p, 'r'));

    const child = spawn(process.execPath, ['-e', SWAPPER, join(user, 'victim'), join(user, 'file'), outside, join(outside, 'hard-target'), '120'], { stdio: ['ignore', 'ignore', 'inherit'] });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));

    // start the rounds only once the swapper runs (a node start takes longer than many rounds)
    const ready = join(user, 'victim.swaps');
    for (let waited = 0; !existsSync(ready); waited += 20) {
      assert.ok(waited < 30_000, 'the swapper did not start');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const seenCounts = new Set<number>();
    let skippedRuns = 0;
    let rounds = 0;
    let swaps = 0;
    const readSwaps = () => {
      try {
        swaps = Number(readFileSync(ready, 'utf8')) || swaps;
      } catch {
        // being rewritten
      }
    };
    // at least ROUNDS runs of the fix while the swapper makes at least as many swaps: on a
    // busy machine the swapper may get little CPU, so the loop waits for it (bounded)
    const deadline = Date.now() + 120_000;
    try {
      while ((rounds < ROUNDS || swaps < ROUNDS) && Date.now() < deadline) {
        // give the fix work to do in every round: the inside back to root and
        // unreadable, through descriptors opened before the race (never by path)
        for (const fd of insideFds) {
          fchownSync(fd, 0, 0);
          fchmodSync(fd, 0o600);
        }
        const r = fixTree(tftp, 65534, 65534);
        seenCounts.add(r.seen);
        if (r.skipped) skippedRuns++;
        rounds++;
        if (rounds % 10 === 0) {
          readSwaps();
          // let the swapper run between rounds too
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    } finally {
      child.kill('SIGKILL');
      await exited;
      for (const fd of insideFds) closeSync(fd);
    }
    readSwaps();

    const after = snapshot(outside);
    const changed = [...before].filter(([p, v]) => after.get(p) !== v).map(([p, v]) => `${p}: ${v} -> ${after.get(p)}`);
    assert.deepEqual(changed, [], 'entries outside the root changed owner or mode');
    assert.equal(after.size, before.size);
    // the race really happened: the swapper swapped, and the fix saw the tree in different shapes
    assert.ok(rounds >= ROUNDS && swaps >= ROUNDS, `only ${rounds} rounds and ${swaps} swaps in two minutes`);
    assert.ok(seenCounts.size > 1, `the fix always saw the same tree (${[...seenCounts]}): no swap was observed`);
    assert.ok(skippedRuns > 0, 'no run ever met the hard link or a vanished entry');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('set-id bits are cleared, even on a file already owned by the TFTP user', { skip: !isRoot && 'needs root (chown)' }, () => {
  const base = mkdtempSync(join(tmpdir(), 'ltsp-setid-'));
  try {
    const tftp = join(base, 'tftpboot');
    mkdirSync(join(tftp, 'bin'), { recursive: true });
    writeFileSync(join(tftp, 'bin/suid'), 'x');
    writeFileSync(join(tftp, 'bin/sgid'), 'x');
    chownSync(join(tftp, 'bin/suid'), 65534, 65534);
    chmodSync(join(tftp, 'bin/suid'), 0o4755);
    chmodSync(join(tftp, 'bin/sgid'), 0o2711);
    chmodSync(join(tftp, 'bin'), 0o2755);
    fixTree(tftp, 65534, 65534);
    const mode = (p: string) => (lstatSync(join(tftp, p)).mode & 0o7777).toString(8);
    assert.equal(mode('bin/suid'), '755');
    assert.equal(mode('bin/sgid'), '755');
    assert.equal(mode('bin'), '755');
    // a hard-linked set-id file is left alone entirely, like any hard-linked file
    linkSync(join(tftp, 'bin/suid'), join(base, 'other-name'));
    chmodSync(join(tftp, 'bin/suid'), 0o4755);
    assert.equal(fixTree(tftp, 65534, 65534).skipped, 1);
    assert.equal(mode('bin/suid'), '4755');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('status and the fix share one rule: a hard-linked unreadable file gets advice that fixes it', { skip: !isRoot && 'needs root (chown)' }, () => {
  const base = mkdtempSync(join(tmpdir(), 'ltsp-advice-'));
  try {
    const tftp = join(base, 'tftpboot');
    mkdirSync(join(tftp, 'lts'), { recursive: true });
    writeFileSync(join(tftp, 'lts/vmlinuz'), 'kernel', { mode: 0o600 });
    chmodSync(join(tftp, 'lts/vmlinuz'), 0o600);
    linkSync(join(tftp, 'lts/vmlinuz'), join(base, 'vmlinuz-elsewhere'));
    writeFileSync(join(tftp, 'closed'), 'x', { mode: 0o600 });
    chmodSync(join(tftp, 'closed'), 0o600);
    fixTree(tftp, 65534, 65534);
    // the fix leaves the hard-linked file alone; status must not send the admin back to it
    const check = checkTree(tftp)!;
    assert.equal(check.unreadable, 0);
    assert.equal(check.stuck, 1);
    assert.equal(check.stuckExample, 'lts/vmlinuz');
    const status: FileStatus = { target: 'tftp-tree', path: tftp, kind: 'tree', state: 'current', current: null, desired: null, owner: 'nobody', group: 'nogroup' };
    const [row] = checkFiles([status], 'ltspcfg-ts', { [tftp]: check });
    assert.equal(row.state, 'unreadable');
    assert.match(row.detail, /hard-linked/);
    assert.equal(row.steps.length, 1);
    // the advice, run as given, makes the tree whole
    const done = spawnSync('sh', ['-c', row.steps[0].command.replace(/&& ltspcfg-ts apply --only tftp-tree$/, '')]);
    assert.equal(done.status, 0, String(done.stderr));
    fixTree(tftp, 65534, 65534);
    assert.deepEqual({ ...checkTree(tftp)!, seen: 0 }, { seen: 0, unreadable: 0, stuck: 0, truncated: false });
    assert.equal(lstatSync(join(base, 'vmlinuz-elsewhere')).mode & 0o777, 0o600, 'the other name keeps its mode');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
