// Reading the server's logs newest line first, within a bounded window: syslog
// files grow to gigabytes and are rotated (messages, messages.1, messages.2.gz,
// messages-20261201.gz), and `clients` only needs their ends.
//
// A plain file is read backwards in fixed chunks from its end into one reused
// buffer, so the cost is the bytes inside the window, never the file's size, and
// the memory is two buffers whatever the file. Most lines of a server's log are
// about something else: with `select`, a chunk is searched for those byte strings
// (memchr-fast) and only the lines holding one are decoded; the others cost a
// newline count. A compressed rotation can only be inflated from its start: it is
// streamed, the part before the window (known from gzip's size trailer) is only
// inflated, and what lies in the window is kept in chunk-sized stretches, the
// oldest dropped as the window moves on (memory bounded by the budget, time by
// the file).
import { open, readdir, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { errnoCode, errnoWords } from './errno';

/** How much of the logs to read, and which lines. */
export interface LogWindow {
  /** stop after this many bytes of log text, over all files together */
  maxBytes: number;
  /**
   * only the lines holding one of these (ASCII) strings are returned; every line
   * when absent. A string whose first byte is rare in logs is found fastest.
   */
  select?: readonly string[];
}

/** One stretch of a file (a chunk read), newest first. */
export interface LogBatch {
  /** the file the lines were read from (for a rotation, the rotated file) */
  file: string;
  /** the lines selected in the stretch, newest first */
  lines: string[];
  /** the stretch's oldest line, selected or not (for its time); null if it has none */
  oldest: string | null;
  /** how many lines the stretch holds, selected or not */
  scanned: number;
}

const CHUNK = 1 << 20;
/** a "line" longer than this (a binary file, a runaway writer) is cut to its first MAX_LINE bytes */
const MAX_LINE = 64 * 1024;
const NL = 10;
const CR = 13;

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
  const marks = window.select ? window.select.map((s) => Buffer.from(s, 'latin1')) : null;
  for (const file of files) {
    if (budget.left <= 0) return;
    try {
      if (file.endsWith('.gz')) yield* gzipBackwards(file, budget, marks, onError);
      else yield* plainBackwards(file, budget, marks);
    } catch (e) {
      onError?.(file, why(e));
    }
  }
}

function why(e: unknown): string {
  const code = errnoCode(e);
  if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') return `not a readable gzip file (${(e as Error).message})`;
  return errnoWords(e);
}

/** One line of `data`, [start, end), as text: without a CR before its end, cut to MAX_LINE. */
function lineText(data: Buffer, start: number, end: number): string {
  if (end - start > MAX_LINE) end = start + MAX_LINE;
  else if (end > start && data[end - 1] === CR) end--;
  return data.toString('utf8', start, end);
}

/** How many lines [from, end) of `data` holds, empty ones aside: a last line without its newline counts. */
function countLines(data: Buffer, from: number, end: number): number {
  let n = 0;
  let p = from;
  for (;;) {
    const nl = data.indexOf(NL, p);
    if (nl < 0 || nl >= end) break;
    if (nl > p + 1 || (nl === p + 1 && data[p] !== CR)) n++;
    p = nl + 1;
  }
  return p < end && !(p + 1 === end && data[p] === CR) ? n + 1 : n;
}

/**
 * The lines of `data` [from, end) (whole lines: `from` is a line's start, `end` a
 * line's end), newest first: those holding a mark, or all without marks.
 */
function takeLines(data: Buffer, from: number, end: number, marks: Buffer[] | null): { lines: string[]; oldest: string | null; scanned: number } {
  let first = from;
  while (first < end && (data[first] === NL || data[first] === CR)) first++;
  if (first >= end) return { lines: [], oldest: null, scanned: 0 };
  const firstEnd = data.indexOf(NL, first);
  const oldest = lineText(data, first, firstEnd < 0 || firstEnd > end ? end : firstEnd);
  const lines: string[] = [];
  if (!marks) {
    // every line: one decoding of the whole stretch (a newline byte never lies inside a UTF-8 sequence)
    const parts = data.toString('utf8', first, end).split('\n');
    for (let i = parts.length - 1; i >= 0; i--) {
      let l = parts[i];
      if (l.endsWith('\r')) l = l.slice(0, -1);
      if (l.length) lines.push(l.length > MAX_LINE ? l.slice(0, MAX_LINE) : l);
    }
    return { lines, oldest, scanned: lines.length };
  }
  // the start of every line that holds a mark, found without looking at the other lines
  const starts: number[] = [];
  const ends = new Map<number, number>();
  for (const mark of marks) {
    let p = first;
    for (;;) {
      const hit = data.indexOf(mark, p);
      if (hit < 0 || hit + mark.length > end) break;
      const start = data.lastIndexOf(NL, hit) + 1;
      let stop = data.indexOf(NL, hit + mark.length);
      if (stop < 0 || stop > end) stop = end;
      if (!ends.has(start)) {
        ends.set(start, stop);
        starts.push(start);
      }
      p = stop + 1;
    }
  }
  starts.sort((a, b) => b - a);
  for (const s of starts) {
    const l = lineText(data, Math.max(s, first), ends.get(s) as number);
    if (l.length) lines.push(l);
  }
  return { lines, oldest, scanned: countLines(data, first, end) };
}

async function* plainBackwards(file: string, budget: { left: number }, marks: Buffer[] | null): AsyncGenerator<LogBatch> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    let pos = size;
    // one chunk and the start of the line that runs on into the chunk read before (nearer the end)
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, size) + MAX_LINE);
    const carry = Buffer.allocUnsafe(MAX_LINE);
    let carried = 0;
    while (pos > 0 && budget.left > 0) {
      const n = Math.min(CHUNK, pos);
      pos -= n;
      let got = 0;
      while (got < n) {
        const r = await fh.read(buf, got, n - got, pos + got);
        if (r.bytesRead === 0) break;
        got += r.bytesRead;
      }
      // the file shrank under us (truncated by its rotation): what is left is another file
      if (got < n) return;
      budget.left -= got;
      carry.copy(buf, got, 0, carried);
      const end = got + carried;
      let from = 0;
      if (pos > 0) {
        // the bytes before the first newline belong to a line that starts in the next chunk back
        const nl = buf.indexOf(NL);
        if (nl < 0 || nl >= end) {
          // a line longer than a chunk: keep its start, which the chunks further back complete
          carried = Math.min(end, MAX_LINE);
          buf.copy(carry, 0, 0, carried);
          continue;
        }
        carried = Math.min(nl, MAX_LINE);
        buf.copy(carry, 0, 0, carried);
        from = nl + 1;
      } else carried = 0;
      const taken = takeLines(buf, from, end, marks);
      if (taken.scanned) yield { file, ...taken };
    }
  } finally {
    await fh.close();
  }
}

/** gzip's trailer: the inflated size modulo 4 GiB; null when the file is too short to have one. */
async function gzipSize(file: string): Promise<{ inflated: number; compressed: number } | null> {
  const fh = await open(file, 'r');
  try {
    const compressed = (await fh.stat()).size;
    if (compressed < 18) return null;
    const b = Buffer.alloc(4);
    await fh.read(b, 0, 4, compressed - 4);
    return { inflated: b.readUInt32LE(0), compressed };
  } finally {
    await fh.close();
  }
}

/**
 * The lines of a compressed rotation within the budget, newest first: inflated
 * from its start (gzip cannot be read backwards), the lines looked at only from
 * where the window can begin, kept by stretches until the end shows which
 * stretches the budget holds.
 */
async function* gzipBackwards(file: string, budget: { left: number }, marks: Buffer[] | null, onError?: (file: string, why: string) => void): AsyncGenerator<LogBatch> {
  // the trailer says where the window starts; when it cannot be right (several members,
  // 4 GiB and over, a damaged file), it says too early, and the stretches are only trimmed later
  const size = await gzipSize(file);
  // (deflate inflates at most 1032 times; text rarely less than twice)
  const trailerOk = size !== null && size.inflated >= size.compressed / 2 && size.inflated <= size.compressed * 1032;
  const lookFrom = trailerOk ? Math.max(0, size.inflated - budget.left) : 0;
  interface Stretch extends LogBatch {
    start: number;
    end: number;
  }
  const kept: Stretch[] = [];
  let total = 0; // bytes inflated so far
  // a line whose end is in the next inflated piece: its start (at most MAX_LINE bytes) and its offset
  let partial = Buffer.alloc(0);
  let partialAt = 0;
  const stream = createReadStream(file, { highWaterMark: CHUNK }).pipe(createGunzip({ chunkSize: 256 * 1024 }));
  const keep = (data: Buffer, start: number) => {
    const taken = takeLines(data, 0, data.length, marks);
    if (taken.scanned) kept.push({ file, ...taken, start, end: start + data.length });
    // drop the stretches that lie wholly before the window
    while (kept.length && kept[0].end <= total - budget.left) kept.shift();
  };
  try {
    for await (const piece of stream as AsyncIterable<Buffer>) {
      const pieceAt = total;
      total += piece.length;
      const lastNl = piece.lastIndexOf(NL);
      if (lastNl < 0) {
        // no line ends here: the pending line grows (its start is what is kept)
        if (partial.length < MAX_LINE) partial = Buffer.concat([partial, piece.subarray(0, MAX_LINE - partial.length)]);
        continue;
      }
      if (total > lookFrom) {
        // the pending line, completed by this piece, then the whole lines of the piece
        const data = partial.length ? Buffer.concat([partial, piece.subarray(0, lastNl + 1)]) : piece.subarray(0, lastNl + 1);
        keep(data, partial.length ? partialAt : pieceAt);
      }
      partialAt = pieceAt + lastNl + 1;
      partial = Buffer.from(piece.subarray(lastNl + 1, Math.min(piece.length, lastNl + 1 + MAX_LINE)));
    }
  } catch (e) {
    // a damaged or truncated rotation: what was inflated before the damage is still read
    onError?.(file, why(e));
  }
  if (partial.length) keep(partial, partialAt);
  budget.left -= Math.min(budget.left, total);
  for (let i = kept.length - 1; i >= 0; i--) {
    const { file: f, lines, oldest, scanned } = kept[i];
    yield { file: f, lines, oldest, scanned };
  }
}

/** The clients' log files in `dir` (syslog.log_dir): NAME.log, newest rotation only. */
export async function listLogDir(dir: string, onError?: (why: string) => void): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') onError?.(`${dir}: ${errnoWords(e)}`);
    else onError?.(`${dir}: no such directory (syslog.log_dir): no client has logged to this server yet, or the syslog target is not applied`);
    return [];
  }
  return names.filter((n) => n.endsWith('.log')).sort().map((n) => join(dir, n));
}
