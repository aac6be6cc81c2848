// The initramfs of an image, generated from the client root: the root's
// busybox (else the server's static one), nbd-client and its libraries, the
// kernel modules a thin client needs before its root is mounted (NICs, NBD,
// NFS, squashfs, overlay, and what they depend on, from the root's own
// modules.dep), and the scripts of src/targets/image. Written as a newc cpio
// by this module itself: no cpio program, no root privileges (the
// /dev/console node is an entry in the archive), and the same inputs give the
// same bytes. Compressed with zstd when the root's kernel can unpack it
// (CONFIG_RD_ZSTD, as Debian's and Gentoo's dist-kernels can), else gzip.
import { spawn } from 'node:child_process';
import { closeSync, constants, existsSync, fstatSync, openSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { elfInterpreter, findIn, neededLibraries, resolveIn, type RootKernel } from './rootfs';

const gzipAsync = promisify(gzip);
const GZIP_LEVEL = 6;
/**
 * zstd's level and threads. One thread: mksquashfs already has every core
 * while the initramfs is made. Level 3 (zstd's default): on the lab's 20.5 MiB
 * archive 7.2 MiB in 0.22 s of CPU, where gzip -6 gives 7.4 MiB in 1.26 s and
 * zstd -9 6.2 MiB in 0.76 s, CPU taken from a running mksquashfs.
 */
const ZSTD_ARGS = ['-q', '-c', '-T1', '-3'];

export interface InitramfsEntry {
  path: string;
  kind: 'file' | 'dir' | 'char' | 'symlink';
  mode: number;
  data?: Buffer;
  /** a file's contents are this file's on the server (initramfsPlan: not read yet) */
  source?: string;
  /** for 'char': major, minor */
  dev?: [number, number];
}

/**
 * The modules a thin client needs before its root is mounted, by name: the
 * block device and file system of its root (an nbd image is a squashfs on
 * /dev/nbd0; an nfs image is NFS v4 or v3), the overlay, and the virtual NICs
 * of QEMU and VMware (the physical ones are chosen below). modules.dep adds
 * what they depend on. Graphics and input drivers are not among them: the
 * client loads those from its root once it is mounted (session.sh), as it
 * does every other driver.
 */
const MODULES_WANTED: Record<'nbd' | 'nfs', string[]> = {
  nbd: ['nbd', 'squashfs', 'loop', 'overlay', 'virtio_pci', 'virtio_net', 'vmxnet3'],
  nfs: ['nfsv4', 'nfsv3', 'overlay', 'virtio_pci', 'virtio_net', 'vmxnet3'],
};

/** PHY drivers: a NIC driver asks for its PHY's driver by an mdio alias, which modules.dep does not list. */
const MODULE_DIRS_WANTED = ['kernel/drivers/net/phy/', 'kernel/drivers/net/mdio/'];

/**
 * The wired NICs a thin client may have: every driver under
 * drivers/net/ethernet with a PCI id (PCMCIA cards and SoC-internal MACs of
 * other architectures have none), except the drivers of 10 Gb/s and faster
 * server, cloud and virtual-function adapters, which no thin client has and
 * which would double the initramfs.
 */
const NIC_DIR = 'kernel/drivers/net/ethernet/';
const NIC_SKIPPED = [
  'amazon/', 'amd/xgbe/', 'aquantia/', 'brocade/', 'cavium/', 'chelsio/', 'cisco/', 'emulex/', 'fungible/', 'google/',
  'huawei/', 'intel/i40e/', 'intel/iavf/', 'intel/ice/', 'intel/idpf/', 'intel/igbvf/', 'intel/ixgb/', 'intel/ixgbe/',
  'intel/ixgbevf/', 'intel/fm10k/', 'marvell/octeontx2/', 'marvell/prestera/', 'mellanox/', 'microsoft/', 'mscc/',
  'myricom/', 'neterion/', 'netronome/', 'pensando/', 'qlogic/', 'sfc/', 'sun/niu.', 'tehuti/', 'broadcom/bnx2x/',
  'broadcom/bnxt/', 'ibm/', 'engleder/', 'wangxun/',
].map((d) => NIC_DIR + d);

const moduleName = (path: string) => posix.basename(path).replace(/\.ko(\.(xz|zst|gz))?$/, '').replace(/-/g, '_');

/** The wanted modules of a kernel and everything they depend on; the filtered modules.dep and modules.alias. */
export function selectModules(kernel: RootKernel, serve: 'nbd' | 'nfs'): { files: string[]; dep: string; alias: string } {
  const depText = readFileSync(posix.join(kernel.modules, 'modules.dep'), 'utf8');
  const deps = new Map<string, string[]>();
  for (const line of depText.split('\n')) {
    const m = /^([^:]+):\s*(.*)$/.exec(line);
    if (m) deps.set(m[1], m[2].split(/\s+/).filter(Boolean));
  }
  let aliasText = '';
  try {
    aliasText = readFileSync(posix.join(kernel.modules, 'modules.alias'), 'utf8');
  } catch {
    // no aliases: the NIC driver is then not found by its PCI id
  }
  // module name -> its aliases' lines
  const aliases = new Map<string, string[]>();
  for (const line of aliasText.split('\n')) {
    const m = /^alias\s+(\S+)\s+(\S+)/.exec(line);
    if (!m) continue;
    const name = m[2].replace(/-/g, '_');
    if (!aliases.has(name)) aliases.set(name, []);
    aliases.get(name)!.push(line);
  }
  const pciNic = (mod: string) =>
    mod.startsWith(NIC_DIR) && !NIC_SKIPPED.some((p) => mod.startsWith(p)) && (aliases.get(moduleName(mod)) ?? []).some((l) => /^alias\s+pci:/.test(l));
  const wanted = new Set(MODULES_WANTED[serve]);
  const chosen = new Set<string>();
  const add = (mod: string) => {
    if (chosen.has(mod) || !deps.has(mod)) return;
    chosen.add(mod);
    for (const d of deps.get(mod)!) add(d);
  };
  for (const mod of deps.keys()) if (wanted.has(moduleName(mod)) || MODULE_DIRS_WANTED.some((p) => mod.startsWith(p)) || pciNic(mod)) add(mod);
  const files = [...chosen].sort();
  const alias = files.flatMap((f) => aliases.get(moduleName(f)) ?? []).join('\n');
  const dep = files.map((f) => `${f}: ${deps.get(f)!.join(' ')}`.trimEnd()).join('\n');
  return { files, dep: dep + '\n', alias: alias + '\n' };
}

export interface InitramfsInput {
  root: string;
  kernel: RootKernel;
  /** busybox to use when the root has none (the server's static one) */
  fallbackBusybox: string[];
  /** the generated scripts: /init, /lib/ltsp/udhcpc.sh, /lib/ltsp/session.sh */
  scripts: Record<string, string>;
  /** nbd-client is needed (an nbd image) */
  nbd: boolean;
}

/** What goes into the initramfs, its files' contents read; or a message naming what the root lacks. */
export function initramfsEntries(input: InitramfsInput): InitramfsEntry[] {
  return loadEntries(initramfsPlan(input));
}

/** The entries of a plan with every file's contents read from its source. */
export function loadEntries(plan: InitramfsEntry[]): InitramfsEntry[] {
  return plan.map((e) => (e.source === undefined ? e : { path: e.path, kind: e.kind, mode: e.mode, data: readFileSync(e.source) }));
}

/**
 * What goes into the initramfs, the server's files named but not read (their
 * contents are the largest part of the cost), or a message naming what the root lacks.
 */
export function initramfsPlan(input: InitramfsInput): InitramfsEntry[] {
  const { root, kernel } = input;
  const entries = new Map<string, InitramfsEntry>();
  const dir = (p: string) => {
    const parts = p.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const d = '/' + parts.slice(0, i).join('/');
      if (!entries.has(d)) entries.set(d, { path: d, kind: 'dir', mode: 0o755 });
    }
  };
  const file = (p: string, data: Buffer, mode: number) => {
    dir(posix.dirname(p));
    entries.set(p, { path: p, kind: 'file', mode, data });
  };
  const copy = (p: string, source: string, mode: number) => {
    dir(posix.dirname(p));
    entries.set(p, { path: p, kind: 'file', mode, source });
  };
  for (const d of ['/dev', '/proc', '/sys', '/run', '/tmp', '/newroot', '/bin', '/sbin', '/usr/bin', '/usr/sbin', '/lib']) dir(d);
  entries.set('/dev/console', { path: '/dev/console', kind: 'char', mode: 0o600, dev: [5, 1] });

  // busybox: the root's when it is static, else the server's static one
  const own = findIn(root, ['/bin/busybox', '/usr/bin/busybox', '/sbin/busybox']);
  let busybox = own && !elfInterpreter(own.file) ? own.file : null;
  if (!busybox) {
    for (const b of input.fallbackBusybox) {
      try {
        if (statSync(b).isFile() && !elfInterpreter(b)) {
          busybox = b;
          break;
        }
      } catch {
        // not there
      }
    }
  }
  if (!busybox) throw new Error(`no static busybox in the root ${root} (nor on this server); install sys-apps/busybox[static] (Debian: busybox-static) into the root`);
  copy('/bin/busybox', busybox, 0o755);
  // the scripts' #! line, before /init has installed the other applets
  entries.set('/bin/sh', { path: '/bin/sh', kind: 'symlink', mode: 0o777, data: Buffer.from('busybox') });

  if (input.nbd) {
    const client = findIn(root, ['/usr/sbin/nbd-client', '/sbin/nbd-client', '/usr/bin/nbd-client']);
    if (!client) throw new Error(`no nbd-client in the root ${root}; install sys-block/nbd (Debian: nbd-client) into the root`);
    copy('/sbin/nbd-client', client.file, 0o755);
    const libs = neededLibraries(root, client.file);
    if (libs) {
      copy(libs.interpreter, libs.loader, 0o755);
      // flat in /lib: /init runs with LD_LIBRARY_PATH=/lib, there is no ld.so.cache
      const loader = realpathSync(libs.loader);
      for (const lib of libs.libraries) {
        const flat = posix.join('/lib', posix.basename(lib));
        if (flat === libs.interpreter) continue;
        if (realpathSync(lib) === loader) entries.set(flat, { path: flat, kind: 'symlink', mode: 0o777, data: Buffer.from(libs.interpreter) });
        else copy(flat, lib, 0o755);
      }
    }
  }

  const mods = selectModules(kernel, input.nbd ? 'nbd' : 'nfs');
  const modDir = `/lib/modules/${kernel.version}`;
  for (const m of mods.files) copy(posix.join(modDir, m), posix.join(kernel.modules, m), 0o644);
  file(posix.join(modDir, 'modules.dep'), Buffer.from(mods.dep), 0o644);
  file(posix.join(modDir, 'modules.alias'), Buffer.from(mods.alias), 0o644);
  for (const extra of ['modules.builtin', 'modules.order']) {
    const source = posix.join(kernel.modules, extra);
    if (existsSync(source)) copy(posix.join(modDir, extra), source, 0o644); // optional
  }
  for (const [p, text] of Object.entries(input.scripts)) file(p, Buffer.from(text), 0o755);
  return [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** How many NUL bytes bring a newc archive from offset n to its next 4-byte boundary. */
const padding = (n: number): number => (4 - (n % 4)) % 4;

/** A newc cpio archive of the entries. */
function cpio(entries: InitramfsEntry[]): Buffer {
  const chunks: Buffer[] = [];
  const pad = (n: number) => Buffer.alloc(padding(n));
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  const put = (name: string, mode: number, data: Buffer, ino: number, rdev: [number, number] = [0, 0], nlink = 1) => {
    const nameBytes = Buffer.from(name + '\0');
    const header = '070701' + [ino, mode, 0, 0, nlink, 0, data.length, 0, 0, rdev[0], rdev[1], nameBytes.length, 0].map(hex).join('');
    chunks.push(Buffer.from(header), nameBytes, pad(110 + nameBytes.length), data, pad(data.length));
  };
  let ino = 1;
  for (const e of entries) {
    const name = e.path.replace(/^\//, '');
    const type = { dir: 0o040000, char: 0o020000, symlink: 0o120000, file: 0o100000 }[e.kind];
    put(name, type | e.mode, e.data ?? Buffer.alloc(0), ino++, e.dev, e.kind === 'dir' ? 2 : 1);
  }
  put('TRAILER!!!', 0, Buffer.alloc(0), 0, [0, 0], 1);
  return Buffer.concat(chunks);
}

export type Compression = 'zstd' | 'gzip';

/**
 * How the initramfs of a kernel is compressed: zstd when the root's kernel
 * config (/boot/config-VERSION, or the copy in lib/modules/VERSION) says it can
 * unpack it, else gzip, which every kernel can.
 */
export function initramfsCompression(root: string, kernel: RootKernel): Compression {
  for (const p of [`/boot/config-${kernel.version}`, `/lib/modules/${kernel.version}/config`]) {
    const file = resolveIn(root, p);
    if (!file) continue;
    try {
      return /^CONFIG_RD_ZSTD=y$/m.test(readFileSync(file, 'utf8')) ? 'zstd' : 'gzip';
    } catch {
      // unreadable: the next, else gzip
    }
  }
  return 'gzip';
}

/** The zstd program's output for the data (in another process: the caller's thread goes on). */
function zstd(data: Buffer, program: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, ZSTD_ARGS, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    child.stdin.on('error', () => undefined); // reported by 'close'
    child.on('error', (e) =>
      reject(new Error((e as NodeJS.ErrnoException).code === 'ENOENT' ? `${program}: not installed (emerge app-arch/zstd; Debian: zstd)` : `${program}: ${e.message}`)),
    );
    child.on('close', (code, signal) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`${program} failed (${signal ?? `exit ${code}`}): ${err.trim()}`));
    });
    child.stdin.end(data);
  });
}

/**
 * The entries as a compressed newc cpio archive. The compression runs beside
 * the caller (zstd in its own process, gzip in node's thread pool), so that it
 * overlaps a mksquashfs started just before. The same entries give the same bytes.
 */
export async function cpioCompressed(entries: InitramfsEntry[], compression: Compression, zstdProgram = 'zstd'): Promise<Buffer> {
  const archive = cpio(entries);
  return compression === 'zstd' ? zstd(archive, zstdProgram) : gzipAsync(archive, { level: GZIP_LEVEL });
}

/**
 * Changes whenever anything the initramfs is made of may have changed, so that
 * an unchanged one is reused: the way this module makes it (INITRAMFS_FORMAT),
 * the compression, and every entry: its path, type and mode, the generated
 * scripts' text (which holds the site values they embed), and for each file
 * taken from the server (busybox, nbd-client and its libraries, the kernel
 * modules and their lists) its path, size, inode and change times. A file
 * replaced or rewritten (emerge, cp, even with its old mtime) gets a new ctime;
 * reading 20 MiB to hash it would cost what the reuse saves.
 */
export function initramfsKey(plan: InitramfsEntry[], compression: Compression): string {
  const h = createHash('sha256');
  h.update(`${INITRAMFS_FORMAT}\0${compression}\0`);
  for (const e of plan) {
    h.update(`${e.path}\0${e.kind}\0${e.mode}\0${e.dev?.join(',') ?? ''}\0`);
    if (e.source !== undefined) {
      const st = statSync(e.source, { bigint: true });
      h.update(`file ${e.source}\0${st.size} ${st.ino} ${st.mtimeNs} ${st.ctimeNs}\0`);
    } else {
      h.update(`data ${e.data?.length ?? 0}\0`);
      if (e.data) h.update(e.data);
    }
  }
  return h.digest('hex');
}

/** Bumped whenever this module would make other bytes of the same inputs. */
const INITRAMFS_FORMAT = 'ltsp-ts initramfs 1';

/** Where the key of an initramfs is kept: a file of a small uncompressed archive before the compressed one. */
const KEY_ENTRY = 'lib/ltsp/initramfs.key';

/**
 * The compressed archive preceded by an uncompressed one that holds its key
 * (/lib/ltsp/initramfs.key on the client too) and the length of the whole file.
 * The kernel unpacks one archive after the other, as it does for early
 * microcode, so the key can be read back from the first bytes of the file in
 * place without decompressing anything; the length tells a file cut short.
 */
export function withKey(key: string, compressed: Buffer): Buffer {
  const head = (total: number) =>
    cpio([
      { path: '/lib', kind: 'dir', mode: 0o755 },
      { path: '/lib/ltsp', kind: 'dir', mode: 0o755 },
      { path: '/' + KEY_ENTRY, kind: 'file', mode: 0o644, data: Buffer.from(`${key} ${total}\n`) },
    ]);
  // the length written changes the first archive's own length by its digits: until it holds
  let total = compressed.length;
  let first = head(total);
  for (let i = 0; i < 4 && first.length + compressed.length !== total; i++) {
    total = first.length + compressed.length;
    first = head(total);
  }
  return Buffer.concat([first, compressed]);
}

/**
 * The key of an initramfs file made by withKey, or null: none there, not a
 * regular file (a link, a FIFO: never followed nor waited on), unreadable, made
 * otherwise, or not of the length it was written with (cut short, or grown).
 */
export function initramfsKeyOf(file: string): string | null {
  const b = Buffer.alloc(1024);
  let n: number;
  let size: number;
  try {
    const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW | constants.O_NOCTTY);
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) return null;
      size = st.size;
      n = readSync(fd, b, 0, b.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  // newc: "070701", 13 fields of 8 hex digits, the name (padded to 4 with the header), the data (padded to 4)
  for (let off = 0, entries = 0; entries < 4 && off + 110 <= n; entries++) {
    if (b.toString('latin1', off, off + 6) !== '070701') return null;
    const field = (i: number) => parseInt(b.toString('latin1', off + 6 + i * 8, off + 14 + i * 8), 16);
    const entrySize = field(6);
    const nameSize = field(11);
    const nameEnd = off + 110 + nameSize;
    const dataOff = nameEnd + padding(nameEnd);
    if (!(nameSize > 0) || !(entrySize >= 0) || dataOff + entrySize > n) return null;
    const name = b.toString('latin1', off + 110, nameEnd - 1);
    if (name === KEY_ENTRY) {
      const m = /^([0-9a-f]{64}) (\d{1,15})\n$/.exec(b.toString('latin1', dataOff, dataOff + entrySize));
      return m && Number(m[2]) === size ? m[1] : null;
    }
    off = dataOff + entrySize + padding(dataOff + entrySize);
  }
  return null;
}
