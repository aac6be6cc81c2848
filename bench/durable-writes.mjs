// How to make N new files durable before they are renamed into place (what
// src/system/write.ts must guarantee): one fsync after the other, fsyncs that
// overlap (node's thread pool, 4 and 16 threads), or one syncfs(2) of the
// file system (`sync --file-system`, coreutils). Every variant writes the same
// files to temporary names, makes them durable, renames them and fsyncs the
// directory; the variants take turns, ROUNDS times; medians.
//
//   node bench/durable-writes.mjs [DIR]      (default /var/tmp: a disk, not a tmpfs)
//   FILES=2000 SIZE=600 ROUNDS=5
import './user-env.mjs';
import { spawnSync } from 'node:child_process';
import { closeSync, fsync, fsyncSync, mkdtempSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const base = process.argv[2] ?? '/var/tmp';
const files = Number(process.env.FILES ?? 2000);
const size = Number(process.env.SIZE ?? 600);
const rounds = Number(process.env.ROUNDS ?? 5);
const data = Buffer.alloc(size, 'x\n');

function writeTemps(dir) {
  const fds = [];
  for (let i = 0; i < files; i++) {
    const fd = openSync(join(dir, `.f${i}.tmp`), 'wx', 0o644);
    writeSync(fd, data);
    fds.push(fd);
  }
  return fds;
}

function finish(dir, fds) {
  for (const fd of fds) closeSync(fd);
  for (let i = 0; i < files; i++) renameSync(join(dir, `.f${i}.tmp`), join(dir, `f${i}`));
  const d = openSync(dir, 'r');
  fsyncSync(d);
  closeSync(d);
}

const fsyncAll = (fds) => Promise.all(fds.map((fd) => new Promise((res, rej) => fsync(fd, (e) => (e ? rej(e) : res())))));

const variants = {
  'serial fsync': async (fds) => { for (const fd of fds) fsyncSync(fd); },
  'overlapping fsync (4 threads)': (fds) => fsyncAll(fds),
  'syncfs (sync -f)': async (fds, dir) => {
    const r = spawnSync('sync', ['--file-system', join(dir, '.f0.tmp')]);
    if (r.status !== 0) throw new Error(`sync -f: ${r.stderr}`);
  },
  'no sync (not durable; the floor)': async () => {},
};

async function once(name) {
  const dir = mkdtempSync(join(base, 'ltspcfg-durable-'));
  try {
    const t = process.hrtime.bigint();
    const fds = writeTemps(dir);
    await variants[name](fds, dir);
    finish(dir, fds);
    return Number(process.hrtime.bigint() - t) / 1e6;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// the thread pool's size is fixed when it starts: the 16-thread variant runs in a child
if (process.env.DURABLE_CHILD) {
  const ms = await once(process.env.DURABLE_CHILD);
  process.stdout.write(`${ms}\n`);
  process.exit(0);
}
const inChild = (name, threads) => {
  const r = spawnSync(process.execPath, [new URL(import.meta.url).pathname, base], {
    env: { ...process.env, DURABLE_CHILD: name, UV_THREADPOOL_SIZE: String(threads) }, encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(r.stdout);
};
const runs = {
  'serial fsync': () => inChild('serial fsync', 4),
  'overlapping fsync (4 threads)': () => inChild('overlapping fsync (4 threads)', 4),
  'overlapping fsync (16 threads)': () => inChild('overlapping fsync (4 threads)', 16),
  'overlapping fsync (64 threads)': () => inChild('overlapping fsync (4 threads)', 64),
  'syncfs (sync -f)': () => inChild('syncfs (sync -f)', 4),
  'no sync (not durable; the floor)': () => inChild('no sync (not durable; the floor)', 4),
};
const times = Object.fromEntries(Object.keys(runs).map((k) => [k, []]));
for (let r = 0; r < rounds; r++) for (const [k, f] of Object.entries(runs)) times[k].push(f());
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const serial = median(times['serial fsync']);
const fs = spawnSync('stat', ['-f', '-c', '%T', base], { encoding: 'utf8' }).stdout.trim();
console.log(`durable writes: ${files} new files of ${size} B in ${base} (${fs}), write + make durable + rename + fsync(dir), median of ${rounds} interleaved rounds:`);
for (const [k, xs] of Object.entries(times)) console.log(`  ${k.padEnd(34)} ${median(xs).toFixed(0).padStart(6)} ms  ${(median(xs) / serial).toFixed(2)}x`);
