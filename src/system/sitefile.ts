// Reading site.toml (and ltspcfg-ts's own state) from disk: a regular file only (after symlinks), at most
// MAX_SITE_BYTES, read without ever blocking: a FIFO with no writer, /dev/zero
// or a terminal named by --config is refused at once instead of hanging.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import type { SystemRoot } from './fsroot';
import { errnoWords } from './errno';

/** The site file, on the configured system (under --root), unless --config names another. */
export const DEFAULT_CONFIG = '/etc/ltsp/site.toml';

/**
 * A site.toml is kilobytes; 100,000 hosts with a name, a MAC and an address each take about 8.6 MB
 * (bench/apply-scale.mjs), and the cap leaves room for twice that. It bounds what a hostile file
 * costs. Documented in ltspcfg-ts(8) and the README.
 */
export const MAX_SITE_BYTES = 16 * 1024 * 1024;

/** The site file of a run: an explicit --config is a path on this machine; the default lives on the configured system. */
export function siteFileOf(sys: SystemRoot, config: string | undefined): string {
  return config ?? sys.path(DEFAULT_CONFIG);
}

/** Why a file could not be read, in words; `code` is open(2)'s or read(2)'s errno code when one of them failed. */
export class SiteFileError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

/** What a path is, in words: "a regular file", "a directory", "a FIFO"... */
export function fileTypeOf(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** What a path that is not a regular file is, as a reason ("it is a directory"). */
export const kindOf = (st: Stats): string => `it is ${fileTypeOf(st)}`;

/** The bytes of the site file; throws SiteFileError with the reason in words. */
export const readSiteFile = (path: string): Buffer => readRegularFile(path, MAX_SITE_BYTES);

/** The bytes of a regular file of at most maxBytes, read without blocking; throws SiteFileError. */
export function readRegularFile(path: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO without a writer returns at once; fstat then refuses it
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    throw new SiteFileError(errnoWords(e), (e as NodeJS.ErrnoException).code ?? '');
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new SiteFileError(kindOf(st));
    if (st.size > maxBytes) throw new SiteFileError(`it has ${st.size} bytes, more than the ${maxBytes / 1048576} MiB it may have`);
    // read up to one byte past the cap: a file that grows while read is refused too
    const buf = Buffer.allocUnsafe(st.size + 1);
    let length = 0;
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, length, buf.length - length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? '';
        if (code === 'EAGAIN') throw new SiteFileError('it cannot be read without blocking');
        throw new SiteFileError(errnoWords(e), code);
      }
      if (n === 0) break;
      length += n;
      if (length === buf.length) throw new SiteFileError('it grew while it was read; expected a file that is not being written');
    }
    return buf.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}
