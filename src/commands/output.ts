// Terminal output: colour only on a terminal, never with NO_COLOR or --no-color.
export interface Out {
  color: boolean;
  tty: boolean;
  line(text?: string): void;
  error(text: string): void;
  paint(style: 'red' | 'green' | 'yellow' | 'bold' | 'dim', text: string): string;
}

/**
 * Writes a text to stdout without process.stdout, whose first use loads
 * node's streams (a third of a `get`): straight to descriptor 1, a string as it
 * is (no Buffer made for a whole write), and through process.stdout only when
 * that would block.
 */
export function writeStdout(text: string | Buffer): void {
  // once a write went through process.stdout, the rest follow it there, in order
  if (viaStream) {
    if (!gone) process.stdout.write(text);
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { writeSync } = require('node:fs') as typeof import('node:fs');
  let data: Buffer | null = typeof text === 'string' ? null : text;
  let off = 0;
  try {
    if (data === null) {
      off = writeSync(1, text as string);
      if (wholeText(text as string, off)) return;
      // a pipe that took part of it: the rest as bytes
      data = Buffer.from(text as string);
    }
    while (off < data.length) off += writeSync(1, data, off);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // a reader that went away ends the output, not the command (as for process.stdout in main.ts)
    if (code === 'EPIPE') return stdoutGone();
    if (code !== 'EAGAIN') throw e;
    viaStream = true;
    process.stdout.write(data === null ? text : data.subarray(off));
  }
}

let viaStream = false;
let gone = false;

/**
 * The reader of stdout went away (EPIPE: `ltspcfg-ts status | head -1`). The
 * rest of the output is dropped and the command carries on to its own exit
 * code: an apply is not cut between its plan and its writes, and status still
 * exits 1 on problems. A command that would run on forever (clients --follow)
 * asks outputGone() and stops.
 */
export function stdoutGone(): void {
  gone = true;
  viaStream = true;
}

/** Whether the reader of stdout went away; see stdoutGone. */
export const outputGone = (): boolean => gone;

/** Whether n bytes are the whole of text in UTF-8: a short ASCII text (a `get` answer) is counted here, without Buffer's code. */
function wholeText(text: string, n: number): boolean {
  if (n === text.length && n <= 4096) {
    let ascii = true;
    for (let i = 0; i < n && ascii; i++) ascii = text.charCodeAt(i) < 0x80;
    if (ascii) return true;
  }
  return n === Buffer.byteLength(text);
}

/** Whether fd is a terminal; node:tty (which loads node's sockets) is asked only about character devices. */
function isTerminal(fd: number): boolean {
  /* eslint-disable @typescript-eslint/no-require-imports */
  try {
    if (!(require('node:fs') as typeof import('node:fs')).fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  return (require('node:tty') as typeof import('node:tty')).isatty(fd);
  /* eslint-enable @typescript-eslint/no-require-imports */
}

const CODES = { red: 31, green: 32, yellow: 33, bold: 1, dim: 2 } as const;

export function makeOut(colorOption: boolean | undefined): Out {
  const tty = isTerminal(1);
  const color = tty && colorOption !== false && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '');
  return {
    color,
    tty,
    line: (text = '') => writeStdout(text + '\n'),
    error: (text) => process.stderr.write(text + '\n'),
    paint: (style, text) => (color ? `\x1b[${CODES[style]}m${text}\x1b[0m` : text),
  };
}
