// The image's boot files: written and fsync'd while mksquashfs runs, put in
// place only at the commit, the previous pair kept by hard link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keepPrevious, stageWrites } from '../../src/system/write';

function dir(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'ltspcfg-stage-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('stageWrites: nothing in place before the commit; the commit keeps the previous file as .old, the same inode', async (t) => {
  const d = dir(t);
  const kernel = join(d, 'vmlinuz');
  writeFileSync(kernel, 'old kernel');
  const oldInode = statSync(kernel).ino;
  const staged = await stageWrites([
    { path: kernel, data: Buffer.from('new kernel'), mode: 0o644 },
    { path: join(d, 'sub', 'initrd.img'), data: Buffer.from('new initrd'), mode: 0o600 },
  ]);
  assert.equal(readFileSync(kernel, 'utf8'), 'old kernel');
  assert.equal(readdirSync(d).filter((f) => f.endsWith('.tmp')).length, 1, 'the kernel staged beside its destination');
  staged.commit(() => assert.equal(keepPrevious(kernel), true));
  assert.equal(readFileSync(kernel, 'utf8'), 'new kernel');
  assert.equal(readFileSync(`${kernel}.old`, 'utf8'), 'old kernel');
  assert.equal(statSync(`${kernel}.old`).ino, oldInode, 'linked, not copied');
  assert.equal(readFileSync(join(d, 'sub', 'initrd.img'), 'utf8'), 'new initrd');
  assert.equal(statSync(join(d, 'sub', 'initrd.img')).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(d).filter((f) => f.endsWith('.tmp')), []);
});

test('stageWrites: discard (the squashfs failed) leaves the old files as they were and no temporary file', async (t) => {
  const d = dir(t);
  const kernel = join(d, 'vmlinuz');
  writeFileSync(kernel, 'old kernel');
  const staged = await stageWrites([{ path: kernel, data: Buffer.from('new kernel'), mode: 0o644 }, { path: join(d, 'new', 'initrd.img'), data: Buffer.from('x'), mode: 0o644 }]);
  staged.discard();
  assert.equal(readFileSync(kernel, 'utf8'), 'old kernel');
  assert.deepEqual(readdirSync(d).sort(), ['vmlinuz'], 'temporary files and the directory made for them removed');
});

test('stageWrites: a failing step before the renames puts nothing in place', async (t) => {
  const d = dir(t);
  const kernel = join(d, 'vmlinuz');
  writeFileSync(kernel, 'old kernel');
  const staged = await stageWrites([{ path: kernel, data: Buffer.from('new kernel'), mode: 0o644 }]);
  assert.throws(() => staged.commit(() => { throw new Error('backup refused'); }), /backup refused/);
  assert.equal(readFileSync(kernel, 'utf8'), 'old kernel');
  assert.deepEqual(readdirSync(d), ['vmlinuz']);
});

test('keepPrevious: false, and nothing made, when there is no file yet', (t) => {
  const d = dir(t);
  assert.equal(keepPrevious(join(d, 'vmlinuz')), false);
  assert.deepEqual(readdirSync(d), []);
});
