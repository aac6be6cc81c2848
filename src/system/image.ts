// Building an [[image]] on the server: the squashfs of its root (nbd images)
// and its kernel and initramfs in the TFTP root. Nothing replaces a good file
// until its successor is complete: the squashfs is written beside the old one
// and renamed over it, the old one kept as NAME.img.old for a rollback; the
// kernel and initramfs are written and fsync'd while mksquashfs runs, and go in
// together once the squashfs is complete (vmlinuz.old and initrd.img.old keep
// the previous pair, by hard link).
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, fdatasync, fsyncSync, lstatSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import type { Image, Site } from '../site/types';
import { Problem } from '../errors';
import { imageBootDir } from '../site/boot-line';
import { imageFile } from '../targets/nbd-server';
import { findProgram } from './checkers';
import { cpioCompressed, initramfsCompression, initramfsKey, initramfsKeyOf, initramfsPlan, loadEntries, withKey, type Compression } from './initramfs';
import { findKernel, findXServer, resolveIn, type RootKernel } from './rootfs';
import type { SystemRoot } from './fsroot';
import { ensureDirectory, keepPrevious, stageWrites, type Write } from './write';

/**
 * What never goes into a squashfs, relative to the root (mksquashfs -wildcards):
 * the mount points' contents (the client mounts its own /proc, /sys, /dev, /run
 * and /tmp), caches and logs of the machine that built the root, /boot (the
 * clients get their kernel by PXE), and secrets: SSH host keys (every client
 * would share one identity, and the image can be read by anyone on the
 * network), the machine-id, root's shell history. And /etc/resolv.conf: the
 * name service of the machine that built the root, which the clients' network
 * may not reach; the initramfs writes the site's, from its DHCP answer.
 */
export const SQUASHFS_EXCLUDES = [
  'proc/*', 'sys/*', 'dev/*', 'run/*', 'tmp/*', 'var/tmp/*', 'boot/*',
  'var/cache/apt/archives/*.deb', 'var/cache/distfiles/*', 'var/cache/binpkgs/*', 'var/lib/apt/lists/*', 'var/log/*',
  'etc/ssh/ssh_host_*', 'etc/machine-id', 'etc/resolv.conf', 'var/lib/dbus/machine-id', 'root/.*_history',
];

/**
 * /etc/shadow and /etc/gshadow go in with every password locked ("*"): a thin
 * client logs in on the server through XDMCP and needs no password of its own,
 * and a hash in a network-readable image is there for anyone to crack.
 */
export const LOCKED_FILES = ['etc/shadow', 'etc/gshadow'];

/** A root or a build that cannot make an image: exit 1, one line. */
export class ImageError extends Problem {}

export interface ImageCheck {
  kernel: RootKernel;
  xserver: string;
}

/** Refuses a root that cannot make a thin client, saying what to install. */
export function checkRoot(image: Image): ImageCheck {
  const where = `image ${image.name} (root ${image.root})`;
  if (!existsSync(image.root) || !statSync(image.root).isDirectory())
    throw new ImageError(`${where}: no such directory; make the client root first (see "Client images" in the README)`);
  const kernel = findKernel(image.root);
  if (!kernel)
    throw new ImageError(`${where}: no kernel with its modules (/boot/vmlinuz-VERSION and /lib/modules/VERSION); install one into the root, e.g. emerge --root=${image.root} sys-kernel/gentoo-kernel-bin`);
  const xserver = findXServer(image.root);
  if (!xserver) throw new ImageError(`${where}: no X server (usr/bin/Xorg); install one into the root, e.g. emerge --root=${image.root} x11-base/xorg-server`);
  return { kernel, xserver };
}

export interface SquashOptions {
  /** show mksquashfs's progress bar (a terminal) */
  progress: boolean;
  /** the mksquashfs program */
  mksquashfs?: string;
}

/** mksquashfs's arguments for a root: zstd, excludes, locked shadow files. */
export function squashfsArgs(root: string, out: string, progress: boolean): string[] {
  // zstd's own default level: squashfs-tools' 15 takes five times as long for a tenth less size
  const args = [root, out, '-noappend', '-comp', 'zstd', '-Xcompression-level', '3', '-no-xattrs', '-wildcards'];
  if (!progress) args.push('-no-progress', '-quiet');
  const pseudo: string[] = [];
  const excludes = [...SQUASHFS_EXCLUDES];
  for (const rel of LOCKED_FILES) {
    const file = resolveIn(root, '/' + rel);
    if (!file || !existsSync(file)) continue;
    const st = statSync(file);
    excludes.push(rel);
    // mksquashfs runs the command with /bin/sh -c; root is a checked path (no quotes)
    pseudo.push('-p', `${rel} f ${(st.mode & 0o7777).toString(8)} ${st.uid} ${st.gid} sed -e 's/^\\([^:]*\\):[^:]*:/\\1:*:/' '${file}'`);
  }
  return [...args, ...pseudo, '-e', ...excludes];
}

function run(cmd: string, args: string[], progress: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: progress ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
    child.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
    child.on('error', (e) => reject(new ImageError(`${cmd}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not installed (emerge sys-fs/squashfs-tools)' : e.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new ImageError(`${cmd} failed (${signal ?? `exit ${code}`}): ${out.trim().split('\n').slice(-3).join(' / ')}`));
    });
  });
}

/**
 * Starts the write-back of a file that another process is writing: every
 * `everyMs` an fdatasync in node's thread pool, so that the disk takes the
 * image while mksquashfs makes it, and the fsync that makes it durable before
 * its rename finds little left to write (on the lab's 195 MiB image: 125 ms
 * after mksquashfs without it, 5 ms with it). stop() waits for the one running.
 */
function earlyWriteback(file: string, everyMs: number): { stop: () => Promise<void> } {
  let fd: number | null = null;
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    if (fd === null) {
      try {
        fd = openSync(file, 'r');
      } catch {
        return; // not created yet
      }
    }
    const handle = fd;
    running = new Promise<void>((resolve) => fdatasync(handle, () => resolve())).then(() => {
      running = null;
    });
  }, everyMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
      if (fd !== null) closeSync(fd);
    },
  };
}

/** Builds NAME.img of an nbd image; the previous one becomes NAME.img.old. Returns its path. */
export async function buildSquashfs(site: Site, sys: SystemRoot, image: Image, opts: SquashOptions): Promise<string> {
  const final = sys.path(imageFile(site, image));
  ensureDirectory(posix.dirname(final), 0o755);
  const partial = `${final}.new`;
  rmSync(partial, { force: true });
  const writeback = earlyWriteback(partial, 250);
  try {
    await run(opts.mksquashfs ?? 'mksquashfs', squashfsArgs(image.root, partial, opts.progress), opts.progress).finally(writeback.stop);
    // nbd-server reads it as nobody, whatever the umask of whoever built it
    chmodSync(partial, 0o644);
    // durable before it replaces the previous image
    const fd = openSync(partial, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    rmSync(partial, { force: true });
    throw e;
  }
  // the previous image stays NAME.img until the new one replaces it in one rename: an nbd-server
  // (re)started meanwhile never finds it missing
  keepPrevious(final);
  renameSync(partial, final);
  const dir = openSync(posix.dirname(final), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
  return final;
}

/** Is the image file complete? A squashfs superblock whose bytes_used fits the file. */
export function verifySquashfs(file: string): string | null {
  let b: Buffer;
  try {
    const fd = openSync(file, 'r');
    try {
      b = Buffer.alloc(96);
      readSync(fd, b, 0, 96, 0);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing (run ltspcfg-ts image)' : (e as Error).message;
  }
  if (b.readUInt32LE(0) !== 0x73717368) return 'not a squashfs (run ltspcfg-ts image)';
  const used = Number(b.readBigUInt64LE(40));
  const size = statSync(file).size;
  if (used > size) return `truncated: ${size} bytes of ${used} (run ltspcfg-ts image)`;
  return null;
}

/**
 * nbd-server reads the images as nobody: the first of `file` and the
 * directories above it that keep other users out, or null when all may read
 * it (or it is missing: verifySquashfs says so).
 */
export function closedToOthers(file: string): string | null {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch {
    return null;
  }
  if ((mode & 0o004) === 0) return file;
  for (let dir = posix.dirname(file); ; dir = posix.dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return dir;
    if (dir === posix.dirname(dir)) return null;
  }
}

export interface BootFiles {
  kernel: string;
  initrd: string;
  initrdBytes: number;
  compression: Compression;
  /** the pair in place was left as it was: made of the same inputs */
  reused: boolean;
}

/** An image's kernel and generated initramfs, in memory: nothing is written yet. */
export interface MadeBootFiles {
  /** null: the pair in place is made of the same inputs, and stays */
  kernel: Buffer | null;
  initrd: Buffer | null;
  initrdBytes: number;
  compression: Compression;
  /** how long the initramfs took to make (or to find unchanged), ms */
  ms: number;
}

/** The kernel and initramfs of an image on the server (in the TFTP root). */
export function bootFilePaths(site: Site, sys: SystemRoot, image: Image): { kernel: string; initrd: string } {
  const dir = sys.path(posix.join(site.tftp.root, imageBootDir(image)));
  return { kernel: posix.join(dir, 'vmlinuz'), initrd: posix.join(dir, 'initrd.img') };
}

/** Is `file` a regular file (not a link to one) with the same bytes as `data`? */
function sameBytes(file: string, data: Buffer): boolean {
  try {
    const st = lstatSync(file);
    return st.isFile() && st.size === data.length && readFileSync(file).equals(data);
  } catch {
    return false;
  }
}

/**
 * Makes the kernel and the initramfs of an image in memory, unless the pair in
 * place (`inPlace`) is made of the same inputs: its initramfs carries the key
 * of the one this would make, and its kernel has the root's kernel's bytes. The
 * key is found from the inputs' names and stat (initramfsKey), so finding the
 * pair unchanged reads only the kernels. The compression
 * runs beside node's thread (zstd's process, or gzip in the thread pool), so
 * that it overlaps a mksquashfs started just before; stageBootFiles writes
 * the result beside the old pair while it still runs. zstd when the root's kernel can
 * unpack it and the zstd program is here, else gzip.
 */
export async function makeBootFiles(
  image: Image,
  check: ImageCheck,
  scripts: Record<string, string>,
  fallbackBusybox: string[],
  inPlace?: { kernel: string; initrd: string },
): Promise<MadeBootFiles> {
  const t0 = Date.now();
  const plan = initramfsPlan({ root: image.root, kernel: check.kernel, fallbackBusybox, scripts, nbd: image.serve === 'nbd' });
  const zstd = initramfsCompression(image.root, check.kernel) === 'zstd' ? findProgram('zstd') : null;
  const compression: Compression = zstd ? 'zstd' : 'gzip';
  const key = initramfsKey(plan, compression);
  const kernel = readFileSync(check.kernel.image);
  // the pair in place, when its initramfs carries this key and its kernel is the root's: nothing to make
  if (inPlace && initramfsKeyOf(inPlace.initrd) === key && sameBytes(inPlace.kernel, kernel))
    return { kernel: null, initrd: null, initrdBytes: statSync(inPlace.initrd).size, compression, ms: Date.now() - t0 };
  const initrd = withKey(key, await cpioCompressed(loadEntries(plan), compression, zstd ?? undefined));
  return { kernel, initrd, initrdBytes: initrd.length, compression, ms: Date.now() - t0 };
}

/** An image's kernel and initramfs on disk under temporary names, fsync'd, not yet in place. */
export interface StagedBootFiles {
  /** Both files into place at once, the previous pair kept as *.old. */
  commit(): BootFiles;
  /** Removes the temporary files (the squashfs failed: the old pair stays). */
  discard(): void;
}

/**
 * Writes the kernel and the initramfs beside TFTP_ROOT/ltsp/NAME/vmlinuz and
 * initrd.img and fsyncs them, so that the 15 MiB cost nothing once the squashfs
 * is complete: commit() is then a few renames. Runs while mksquashfs does.
 */
export async function stageBootFiles(site: Site, sys: SystemRoot, image: Image, made: MadeBootFiles): Promise<StagedBootFiles> {
  const { kernel: kernelPath, initrd: initrdPath } = bootFilePaths(site, sys, image);
  const result = (reused: boolean): BootFiles => ({ kernel: kernelPath, initrd: initrdPath, initrdBytes: made.initrdBytes, compression: made.compression, reused });
  const uid = sys.lookupId('user', site.tftp.user) ?? undefined;
  const gid = sys.lookupId('group', site.tftp.group) ?? undefined;
  const owner = uid !== undefined && gid !== undefined ? { uid, gid } : {};
  // unchanged: the pair and its .old (the previous build, for a rollback) stay; only their
  // mode and owner follow the site, as a new pair's would (tftp.user may have changed)
  if (!made.kernel || !made.initrd)
    return {
      commit() {
        for (const p of [kernelPath, initrdPath]) {
          // found regular files (initramfsKeyOf, sameBytes); replaced by a link since, it is not followed
          const st = lstatSync(p);
          if (!st.isFile()) throw new ImageError(`image ${image.name}: ${p} was replaced while the image was built; run ltspcfg-ts image again`);
          if ((st.mode & 0o7777) !== 0o644) chmodSync(p, 0o644);
          if (owner.uid !== undefined && (st.uid !== owner.uid || st.gid !== owner.gid)) chownSync(p, owner.uid, owner.gid);
        }
        return result(true);
      },
      discard: () => undefined,
    };
  const writes: Write[] = [
    { path: kernelPath, data: made.kernel, mode: 0o644, ...owner },
    { path: initrdPath, data: made.initrd, mode: 0o644, ...owner },
  ];
  const staged = await stageWrites(writes);
  return {
    commit() {
      staged.commit(() => {
        for (const p of [kernelPath, initrdPath]) keepPrevious(p);
      });
      return result(false);
    },
    discard: () => staged.discard(),
  };
}
