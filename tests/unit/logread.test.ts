// The log reader: newest line first across a file and its rotations (plain and
// gzip), exactly the lines written, within the byte budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBackwards, rotations } from '../../src/system/logread';

async function all(files: string[], maxBytes = 1 << 30): Promise<string[]> {
  const out: string[] = [];
  for await (const b of readBackwards(files, { maxBytes })) out.push(...b.lines);
  return out;
}

function withDir(fn: (dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ltsp-logread-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test(
  'a file larger than a chunk comes back whole, newest line first, lines split across chunks intact',
  withDir(async (dir) => {
    const lines: string[] = [];
    // ~3.5 MiB of lines of varying length, with non-ASCII text across chunk borders
    for (let i = 0; i < 40000; i++) lines.push(`line ${i} ${'é'.repeat(i % 97)} ${'x'.repeat((i * 7) % 31)}`);
    writeFileSync(join(dir, 'messages'), lines.join('\n') + '\n');
    const got = await all([join(dir, 'messages')]);
    assert.equal(got.length, lines.length);
    assert.deepEqual(got, [...lines].reverse());
  }),
);

test(
  'a last line without its newline, empty lines, and a file of one line',
  withDir(async (dir) => {
    writeFileSync(join(dir, 'a'), 'one\n\ntwo\nthree');
    assert.deepEqual(await all([join(dir, 'a')]), ['three', 'two', 'one']);
    writeFileSync(join(dir, 'b'), 'only');
    assert.deepEqual(await all([join(dir, 'b')]), ['only']);
    writeFileSync(join(dir, 'c'), '');
    assert.deepEqual(await all([join(dir, 'c')]), []);
  }),
);

test(
  'rotations: the file, then .1, then .2.gz (and dated ones) by age; read newest first across them',
  withDir(async (dir) => {
    const f = join(dir, 'messages');
    writeFileSync(f, 'c1\nc2\n');
    writeFileSync(`${f}.1`, 'b1\nb2\n');
    writeFileSync(`${f}.2.gz`, gzipSync('a1\na2\n'));
    writeFileSync(`${f}-20261101.gz`, gzipSync('z1\nz2\n'));
    writeFileSync(join(dir, 'messages.old'), 'not a rotation\n');
    writeFileSync(join(dir, 'messagesX.1'), 'another file\n');
    const t = Date.now() / 1000;
    utimesSync(`${f}.1`, t - 100, t - 100);
    utimesSync(`${f}.2.gz`, t - 200, t - 200);
    utimesSync(`${f}-20261101.gz`, t - 300, t - 300);
    const files = await rotations(f);
    assert.deepEqual(files, [f, `${f}.1`, `${f}.2.gz`, `${f}-20261101.gz`]);
    assert.deepEqual(await all(files), ['c2', 'c1', 'b2', 'b1', 'a2', 'a1', 'z2', 'z1']);
    assert.deepEqual(await rotations(join(dir, 'nosuch')), []);
  }),
);

test(
  'the byte budget: reading stops once it is spent, in a plain file and in a gzip rotation',
  withDir(async (dir) => {
    const big: string[] = [];
    for (let i = 0; i < 300000; i++) big.push(`entry ${String(i).padStart(8, '0')}`);
    writeFileSync(join(dir, 'm'), big.join('\n') + '\n');
    const got = await all([join(dir, 'm')], 2 * 1024 * 1024);
    // whole chunks of 1 MiB: two of them, about 2 MiB of 15-byte lines, the newest
    assert.ok(got.length > 100000 && got.length < 160000, `${got.length} lines`);
    assert.equal(got[0], big[big.length - 1]);
    writeFileSync(join(dir, 'm.1.gz'), gzipSync(big.join('\n') + '\n'));
    const gz = await all([join(dir, 'm.1.gz')], 150);
    assert.deepEqual(gz, [...big.slice(-10)].reverse());
  }),
);

test(
  'an unreadable file is reported and skipped',
  withDir(async (dir) => {
    const why: string[] = [];
    const out: string[] = [];
    writeFileSync(join(dir, 'ok'), 'fine\n');
    for await (const b of readBackwards([join(dir, 'gone'), join(dir, 'ok')], { maxBytes: 1000 }, (f, w) => why.push(`${f}: ${w}`))) out.push(...b.lines);
    assert.deepEqual(out, ['fine']);
    assert.deepEqual(why, [`${join(dir, 'gone')}: no such file`]);
  }),
);
