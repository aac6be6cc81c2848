// fixTree against a real tree on disk: ownership and modes inside, nothing
// changed through a symlink or outside the root. Needs root for chown; skipped otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixTree } from '../../src/system/tree';

const root = process.getuid?.() === 0;
const canUnshare = (() => {
  if (!root) return false;
  try {
    execFileSync('unshare', ['-m', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const U = 65534;
const G = 65534;

function scratch(): { base: string; tftp: string; outside: string; done: () => void } {
  const base = mkdtempSync(join(tmpdir(), 'ltsp-tree-'));
  const tftp = join(base, 'tftpboot');
  const outside = join(base, 'outside');
  mkdirSync(tftp, { mode: 0o700 });
  mkdirSync(outside, { mode: 0o700 });
  chmodSync(tftp, 0o700);
  return { base, tftp, outside, done: () => rmSync(base, { recursive: true, force: true }) };
}

const mode = (p: string) => lstatSync(p).mode & 0o7777;
const owner = (p: string) => `${lstatSync(p).uid}:${lstatSync(p).gid}`;

test('fixTree gives files and directories to uid:gid and makes them readable', { skip: !root && 'needs root' }, () => {
  const s = scratch();
  try {
    mkdirSync(join(s.tftp, 'pxelinux.cfg'), { mode: 0o700 });
    mkdirSync(join(s.tftp, 'lts/deep'), { recursive: true, mode: 0o700 });
    chmodSync(join(s.tftp, 'lts'), 0o700);
    chmodSync(join(s.tftp, 'lts/deep'), 0o711);
    writeFileSync(join(s.tftp, 'pxelinux.cfg/default'), 'x', { mode: 0o600 });
    writeFileSync(join(s.tftp, 'lts/vmlinuz'), 'k', { mode: 0o600 });
    writeFileSync(join(s.tftp, 'lts/deep/run.sh'), 's', { mode: 0o750 });
    chmodSync(join(s.tftp, 'lts/deep/run.sh'), 0o750);

    const r = fixTree(s.tftp, U, G);
    assert.equal(r.changed, 7);
    assert.equal(r.seen, 7);
    assert.equal(r.skipped, 0);
    for (const p of ['', 'pxelinux.cfg', 'lts', 'lts/deep']) {
      assert.equal(owner(join(s.tftp, p)), `${U}:${G}`, p);
      assert.equal(mode(join(s.tftp, p)) & 0o555, 0o555, p);
    }
    assert.equal(mode(join(s.tftp, 'pxelinux.cfg/default')), 0o644);
    assert.equal(mode(join(s.tftp, 'lts/vmlinuz')), 0o644);
    assert.equal(mode(join(s.tftp, 'lts/deep/run.sh')), 0o754, 'other bits are kept');
    assert.equal(mode(join(s.tftp, 'lts/deep')), 0o755);

    assert.deepEqual(fixTree(s.tftp, U, G), { changed: 0, seen: 7, skipped: 0 }, 'a second run changes nothing');
  } finally {
    s.done();
  }
});

test('fixTree never follows a symlink: targets outside keep owner and mode', { skip: !root && 'needs root' }, () => {
  const s = scratch();
  try {
    const secret = join(s.outside, 'secret');
    writeFileSync(secret, 'shadow', { mode: 0o600 });
    mkdirSync(join(s.outside, 'dir'), { mode: 0o700 });
    chmodSync(join(s.outside, 'dir'), 0o700);
    writeFileSync(join(s.outside, 'dir/inner'), 'i', { mode: 0o600 });
    symlinkSync(secret, join(s.tftp, 'link-to-file'));
    symlinkSync(join(s.outside, 'dir'), join(s.tftp, 'link-to-dir'));
    symlinkSync('/nonexistent', join(s.tftp, 'dangling'));

    const r = fixTree(s.tftp, U, G);
    assert.equal(r.skipped, 0);
    for (const p of [secret, join(s.outside, 'dir'), join(s.outside, 'dir/inner')]) {
      assert.equal(owner(p), '0:0', p);
    }
    assert.equal(mode(secret), 0o600);
    assert.equal(mode(join(s.outside, 'dir')), 0o700);
    assert.equal(mode(join(s.outside, 'dir/inner')), 0o600);
    // the links themselves belong to the tree's owner
    assert.equal(owner(join(s.tftp, 'link-to-file')), `${U}:${G}`);
    assert.equal(owner(join(s.tftp, 'dangling')), `${U}:${G}`);
  } finally {
    s.done();
  }
});

test('fixTree leaves special files and hard-linked files alone', { skip: !root && 'needs root' }, () => {
  const s = scratch();
  try {
    const secret = join(s.outside, 'shadow');
    writeFileSync(secret, 'x', { mode: 0o600 });
    linkSync(secret, join(s.tftp, 'hardlink'));
    execFileSync('mkfifo', ['-m', '600', join(s.tftp, 'fifo')]);

    const r = fixTree(s.tftp, U, G);
    assert.equal(r.skipped, 2);
    assert.equal(owner(secret), '0:0');
    assert.equal(mode(secret), 0o600);
    assert.equal(owner(join(s.tftp, 'fifo')), '0:0');
    assert.equal(mode(join(s.tftp, 'fifo')), 0o600);
  } finally {
    s.done();
  }
});

test('fixTree refuses a root that is a symlink, relative or not a directory', { skip: !root && 'needs root' }, () => {
  const s = scratch();
  try {
    const link = join(s.base, 'link');
    symlinkSync(s.outside, link);
    assert.throws(() => fixTree(link, U, G), /is a symbolic link; name the directory it points at/);
    assert.throws(() => fixTree('tftpboot', U, G), /absolute path/);
    writeFileSync(join(s.base, 'file'), '');
    assert.throws(() => fixTree(join(s.base, 'file'), U, G), /not a directory/);
    assert.throws(() => fixTree(s.tftp, -1, G), /invalid owner/);
    assert.equal(statSync(s.outside).uid, 0);
  } finally {
    s.done();
  }
});

test('fixTree does not enter another filesystem mounted below the root', { skip: !canUnshare && 'needs root and mount namespaces' }, () => {
  const s = scratch();
  try {
    mkdirSync(join(s.tftp, 'mnt'), { mode: 0o700 });
    // a private mount namespace: the tmpfs exists only for the child that runs fixTree
    const script = `
      const { fixTree } = require(${JSON.stringify(join(__dirname, '../../src/system/tree.ts'))});
      const fs = require('node:fs');
      fs.writeFileSync(${JSON.stringify(join(s.tftp, 'mnt/inside'))}, 'm', { mode: 0o600 });
      const r = fixTree(${JSON.stringify(s.tftp)}, ${U}, ${G});
      const st = fs.statSync(${JSON.stringify(join(s.tftp, 'mnt/inside'))});
      process.stdout.write(JSON.stringify({ r, uid: st.uid, mode: st.mode & 0o7777 }));
    `;
    const out = execFileSync(
      'unshare',
      ['-m', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs -o mode=700 ltsp-tree-test "$1" && exec "$2" --import tsx -e "$3"`, 'sh', join(s.tftp, 'mnt'), process.execPath, script],
      { encoding: 'utf8' },
    );
    const got = JSON.parse(out) as { r: { changed: number; seen: number; skipped: number }; uid: number; mode: number };
    assert.equal(got.uid, 0, 'a file on the mounted filesystem keeps its owner');
    assert.equal(got.mode, 0o600);
    assert.equal(got.r.skipped, 1, 'the mount point is skipped');
  } finally {
    s.done();
  }
});
