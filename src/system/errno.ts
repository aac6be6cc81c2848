// Why a system call failed, in words: the one table for every message that names a
// file, a directory or the output. A switch, not an object: nothing is built at
// start-up, and the launcher (src/launcher.ts) pays for it only when a write failed.

/** The errno code of a failed call ("ENOENT"), or undefined for anything else. */
export const errnoCode = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | null)?.code;

/** Why a call failed, in words ("no such file"), by its errno code; node's own message for a code the table lacks. */
export function errnoWords(e: unknown): string {
  switch (errnoCode(e)) {
    case 'ENOENT': return 'no such file';
    case 'EACCES':
    case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'it is a directory';
    case 'ENOTDIR': return 'a part of the path is not a directory';
    case 'ELOOP': return 'too many symbolic links';
    case 'ENAMETOOLONG': return 'the path is too long';
    case 'ENXIO': return 'it is a socket or a device without a driver';
    case 'EROFS': return 'the file system is read-only';
    case 'ENOSPC': return 'no space left on the device';
    case 'EDQUOT': return 'the disk quota is exceeded';
    case 'EFBIG': return 'the file is too large';
    case 'EIO': return 'an input/output error';
    case 'EBADF': return 'it is closed';
    default: return e instanceof Error ? e.message : String(e);
  }
}

/** The line (without "ltspcfg-ts: ") for a write to standard output that failed (`> /dev/full`). */
export const outputFailure = (e: unknown): string => `cannot write the output: ${errnoWords(e)}; expected standard output open for writing`;
