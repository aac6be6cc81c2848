// The log reader: newest line first across a file and its rotations (plain and
// gzip), exactly the lines written, within the byte budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBackwards, rotations, type LogBatch } from '../../src/system/logread';

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
    // a compressed rotation: whole inflated stretches (256 KiB) too, the newest; the next rotation is not read
    writeFileSync(join(dir, 'm.1.gz'), gzipSync(big.join('\n') + '\n'));
    writeFileSync(join(dir, 'm.2.gz'), gzipSync('older\n'));
    const gz = await all([join(dir, 'm.1.gz'), join(dir, 'm.2.gz')], 150);
    assert.ok(gz.length >= 10 && gz.length <= (256 * 1024) / 15 + 1, `${gz.length} lines`);
    assert.deepEqual(gz, big.slice(-gz.length).reverse());
    // a budget beyond the first stretch: the lines before the window are inflated but not kept
    const gz2 = await all([join(dir, 'm.1.gz')], 1024 * 1024);
    assert.ok(gz2.length >= (1024 * 1024) / 15 && gz2.length <= (1024 * 1024 + 2 * 256 * 1024) / 15, `${gz2.length} lines`);
    assert.deepEqual(gz2, big.slice(-gz2.length).reverse());
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

/** Every batch of a read with `select`, and the lines of a read without. */
async function batches(files: string[], select?: string[], maxBytes = 1 << 30): Promise<LogBatch[]> {
  const out: LogBatch[] = [];
  for await (const b of readBackwards(files, { maxBytes, select })) out.push(b);
  return out;
}

const MARKS = ['PDISCO', 'Q from'];

/** Lines of a busy log: most without a mark, some with one anywhere in the line, non-ASCII text. */
function mixedLog(n: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const pad = 'é'.repeat(i % 23) + 'x'.repeat((i * 13) % 71);
    if (i % 97 === 0) lines.push(`Dec  1 10:00:00 ltsp dhcpd[1]: DHCPDISCOVER from 02:00:5e:00:00:${String(i % 100).padStart(2, '0')} via eth0 ${pad}`);
    else if (i % 89 === 0) lines.push(`Dec  1 10:00:00 ltsp in.tftpd[2]: RRQ from 192.0.2.${i % 250} filename /f${i} ${pad}`);
    else if (i % 83 === 0) lines.push(`${pad} mark at the end: PDISCO`);
    else lines.push(`Dec  1 10:00:00 ltsp CRON[${i}]: (root) CMD (run-parts) ${pad} DHCPINFORM PDISC`);
  }
  return lines;
}

test(
  'select: only the lines holding a mark, newest first, across chunk borders; every line counted and the oldest of each stretch given',
  withDir(async (dir) => {
    const lines = mixedLog(60000); // ~7 MiB: several chunks, lines cut at every border
    writeFileSync(join(dir, 'messages'), lines.join('\n') + '\n');
    const got = await batches([join(dir, 'messages')], MARKS);
    const want = lines.filter((l) => MARKS.some((m) => l.includes(m))).reverse();
    assert.ok(want.length > 1000);
    assert.deepEqual(
      got.flatMap((b) => b.lines),
      want,
    );
    assert.equal(
      got.reduce((n, b) => n + b.scanned, 0),
      lines.length,
    );
    assert.ok(got.length >= 6, `${got.length} stretches`);
    // each stretch's oldest line is a whole line of the file, and the last one is the file's first line
    for (const b of got) assert.ok(b.oldest !== null && lines.includes(b.oldest), String(b.oldest).slice(0, 80));
    assert.equal(got[got.length - 1].oldest, lines[0]);
  }),
);

test(
  'CRLF line ends and a last line without its newline, with and without select',
  withDir(async (dir) => {
    const f = join(dir, 'crlf');
    writeFileSync(f, 'one PDISCO\r\ntwo\r\n\r\nthree Q from\r\nfour PDISCO');
    assert.deepEqual(await all([f]), ['four PDISCO', 'three Q from', 'two', 'one PDISCO']);
    const b = await batches([f], MARKS);
    assert.deepEqual(
      b.flatMap((x) => x.lines),
      ['four PDISCO', 'three Q from', 'one PDISCO'],
    );
    assert.equal(b[0].oldest, 'one PDISCO');
    assert.equal(b[0].scanned, 4);
  }),
);

test(
  'a line longer than a chunk is cut to its first 64 KiB, its neighbours intact, with and without select',
  withDir(async (dir) => {
    const f = join(dir, 'long');
    const long = 'Dec  1 10:00:00 ltsp dhcpd[1]: DHCPDISCOVER from 02:00:5e:00:00:01 via eth0 ' + 'y'.repeat(3 * 1024 * 1024);
    const lines = ['first PDISCO', ...mixedLog(20000).slice(1), long, 'after Q from', ...mixedLog(20000).slice(1), 'last Q from'];
    writeFileSync(f, lines.join('\n') + '\n');
    const cut = long.slice(0, 64 * 1024);
    assert.deepEqual(
      await all([f]),
      lines.map((l) => (l === long ? cut : l)).reverse(),
    );
    const want = lines.filter((l) => MARKS.some((m) => l.includes(m))).map((l) => (l === long ? cut : l));
    assert.deepEqual((await batches([f], MARKS)).flatMap((b) => b.lines), want.reverse());
  }),
);

test(
  'gzip rotations with select: the same lines as the plain file; a damaged rotation is reported, what it held before the damage still read',
  withDir(async (dir) => {
    const lines = mixedLog(40000);
    const text = lines.join('\n') + '\n';
    writeFileSync(join(dir, 'm'), text);
    writeFileSync(join(dir, 'm.1.gz'), gzipSync(text));
    const plain = await batches([join(dir, 'm')], MARKS);
    const gz = await batches([join(dir, 'm.1.gz')], MARKS);
    assert.deepEqual(
      gz.flatMap((b) => b.lines),
      plain.flatMap((b) => b.lines),
    );
    assert.equal(
      gz.reduce((n, b) => n + b.scanned, 0),
      lines.length,
    );
    assert.equal(gz[gz.length - 1].oldest, lines[0]);
    // cut in the middle: an error for the file, the first part's lines still there
    const whole = gzipSync(text);
    writeFileSync(join(dir, 'bad.gz'), whole.subarray(0, whole.length >> 1));
    const why: string[] = [];
    const got: string[] = [];
    for await (const b of readBackwards([join(dir, 'bad.gz')], { maxBytes: 1 << 30, select: MARKS }, (f, w) => why.push(`${f}: ${w}`))) got.push(...b.lines);
    assert.equal(why.length, 1);
    assert.match(why[0], /bad\.gz: /);
    assert.ok(got.length > 100, `${got.length} lines`);
    assert.equal(got[got.length - 1], want0(lines));
  }),
);

const want0 = (lines: string[]) => lines.find((l) => MARKS.some((m) => l.includes(m)));
