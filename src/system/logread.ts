// Reading the server's logs newest line first, within a bounded window: syslog
// files grow to gigabytes and are rotated (messages, messages.1, messages.2.gz,
// messages-20261201.gz), and `clients` only needs their ends.
//
// A plain file is read backwards in fixed chunks from its end, so the cost is the
// bytes inside the window, never the file's size. A compressed rotation can only
// be inflated from its start: it is streamed, and only the newest lines that fit
// the remaining byte budget are kept (memory bounded by the budget, time by the
// file). Nothing ever holds a whole file.
import { open, readdir, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createGunzip } from 'node:zlib';

/** How much of the logs to read. */
export interface LogWindow {
  /** stop after this many bytes of log text, over all files together */
  maxBytes: number;
}

/** Lines of one file, newest first: a batch per chunk read. */
export interface LogBatch {
  /** the file the lines were read from (for a rotation, the rotated file) */
  file: string;
  lines: string[];
}

const CHUNK = 1 << 20;
/** a "line" longer than this (a binary file, a runaway writer) is cut to it */
const MAX_LINE = 64 * 1024;

/**
 * The file and its rotations, newest first: FILE itself, then FILE.N, FILE.N.gz,
 * FILE-DATE and FILE-DATE.gz (logrotate's two naming schemes) by modification time.
 * Files that do not exist are left out.
 */
export async function rotations(file: string): Promise<string[]> {
  const dir = dirname(file);
  const base = basename(file);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const rotated = names.filter((n) => n.startsWith(base) && /^[.-][0-9]+(\.gz)?$/.test(n.slice(base.length)));
  const withTimes = await Promise.all(
    rotated.map(async (n) => {
      try {
        const s = await stat(join(dir, n));
        return s.isFile() ? { path: join(dir, n), mtime: s.mtimeMs, n } : null;
      } catch {
        return null;
      }
    }),
  );
  const sorted = withTimes
    .filter((x): x is { path: string; mtime: number; n: string } => x !== null)
    // newest first; on equal times, the lower rotation number is the newer
    .sort((a, b) => b.mtime - a.mtime || rotationIndex(a.n, base) - rotationIndex(b.n, base))
    .map((x) => x.path);
  const out: string[] = [];
  try {
    if ((await stat(file)).isFile()) out.push(file);
  } catch {
    /* only rotations left */
  }
  return out.concat(sorted);
}

function rotationIndex(name: string, base: string): number {
  const m = /^[.-]([0-9]+)/.exec(name.slice(base.length));
  return m ? Number(m[1]) : 0;
}

/**
 * Lines of `files` (each already newest first, e.g. from `rotations`), newest
 * first, in batches, until the window's byte budget is spent. The consumer may
 * stop early (break out of the loop): no more is read. Unreadable files are
 * reported through `onError` and skipped.
 */
export async function* readBackwards(files: string[], window: LogWindow, onError?: (file: string, why: string) => void): AsyncGenerator<LogBatch> {
  const budget = { left: window.maxBytes };
  for (const file of files) {
    if (budget.left <= 0) return;
    try {
      if (file.endsWith('.gz')) yield* gzipTail(file, budget);
      else yield* plainBackwards(file, budget);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      onError?.(file, code === 'EACCES' ? 'permission denied' : code === 'ENOENT' ? 'no such file' : (e as Error).message);
    }
  }
}

async function* plainBackwards(file: string, budget: { left: number }): AsyncGenerator<LogBatch> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    let pos = size;
    // the start of a line whose end was in the chunk read before (nearer the file's end)
    let carry: Buffer = Buffer.alloc(0);
    while (pos > 0 && budget.left > 0) {
      const n = Math.min(CHUNK, pos);
      pos -= n;
      const buf = Buffer.allocUnsafe(n);
      let got = 0;
      while (got < n) {
        const r = await fh.read(buf, got, n - got, pos + got);
        if (r.bytesRead === 0) break;
        got += r.bytesRead;
      }
      budget.left -= got;
      const data = carry.length ? Buffer.concat([buf.subarray(0, got), carry]) : buf.subarray(0, got);
      // the bytes before the first newline belong to a line that starts in the next chunk back
      const nl = pos > 0 ? data.indexOf(10) : -1;
      if (pos > 0 && nl < 0) {
        carry = data.length > MAX_LINE ? data.subarray(data.length - MAX_LINE) : data;
        continue;
      }
      carry = pos > 0 ? data.subarray(0, nl) : Buffer.alloc(0);
      // whole lines only, so one decoding is safe: a newline byte never lies inside a UTF-8 sequence
      const lines = data.subarray(nl + 1).toString('utf8').split('\n');
      const out: string[] = [];
      for (let i = lines.length - 1; i >= 0; i--) {
        const l = lines[i];
        if (l.length) out.push(l.length > MAX_LINE ? l.slice(-MAX_LINE) : l);
      }
      if (out.length) yield { file, lines: out };
    }
  } finally {
    await fh.close();
  }
}

/** The newest lines of a compressed rotation that fit the budget, newest first. */
async function* gzipTail(file: string, budget: { left: number }): AsyncGenerator<LogBatch> {
  const kept: string[] = [];
  let keptBytes = 0;
  let head = 0; // index of the oldest line still kept
  let partial = '';
  const stream = createReadStream(file).pipe(createGunzip());
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    if (partial.length > MAX_LINE) partial = partial.slice(-MAX_LINE);
    for (const p of parts) {
      if (!p) continue;
      kept.push(p);
      keptBytes += p.length + 1;
    }
    // drop the oldest lines beyond the budget
    while (keptBytes > budget.left && head < kept.length) keptBytes -= kept[head++].length + 1;
    if (head > 4096 && head * 2 > kept.length) {
      kept.splice(0, head);
      head = 0;
    }
  }
  if (partial) {
    kept.push(partial);
    keptBytes += partial.length + 1;
    while (keptBytes > budget.left && head < kept.length) keptBytes -= kept[head++].length + 1;
  }
  budget.left -= keptBytes;
  const out: string[] = [];
  for (let i = kept.length - 1; i >= head; i--) out.push(kept[i]);
  if (out.length) yield { file, lines: out };
}

/** The clients' log files in `dir` (syslog.log_dir): NAME.log, newest rotation only. */
export async function listLogDir(dir: string, onError?: (why: string) => void): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') onError?.(`${dir}: ${code === 'EACCES' ? 'permission denied' : (e as Error).message}`);
    else onError?.(`${dir}: no such directory (syslog.log_dir): no client has logged to this server yet, or the syslog target is not applied`);
    return [];
  }
  return names.filter((n) => n.endsWith('.log')).sort().map((n) => join(dir, n));
}
