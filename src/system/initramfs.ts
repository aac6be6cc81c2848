// The initramfs of an image, generated from the client root: the root's
// busybox (else the server's static one), nbd-client and its libraries, the
// kernel modules a thin client needs before its root is mounted (NICs, NBD,
// NFS, squashfs, overlay, and what they depend on, from the root's own
// modules.dep), and the scripts of src/targets/image. Written as a gzip'd
// newc cpio by this module itself: no cpio program, no root privileges
// (the /dev/console node is an entry in the archive), and the same inputs
// give the same bytes.
import { readFileSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { promisify } from 'node:util';
import { gzip, gzipSync } from 'node:zlib';
import { elfInterpreter, findIn, neededLibraries, type RootKernel } from './rootfs';

const gzipAsync = promisify(gzip);
const GZIP_LEVEL = 6;

export interface InitramfsEntry {
  path: string;
  kind: 'file' | 'dir' | 'char' | 'symlink';
  mode: number;
  data?: Buffer;
  /** for 'char': major, minor */
  dev?: [number, number];
}

/** Module paths (below lib/modules/VERSION/) a thin client needs before its root: prefixes. */
const MODULE_PREFIXES = [
  'kernel/drivers/net/ethernet/',
  'kernel/drivers/net/virtio_net.',
  'kernel/drivers/net/mii.',
  'kernel/drivers/net/phy/',
  'kernel/drivers/virtio/',
  'kernel/drivers/block/nbd.',
  'kernel/drivers/block/loop.',
  'kernel/fs/squashfs/',
  'kernel/fs/overlayfs/',
  'kernel/fs/nfs/',
  'kernel/fs/nfs_common/',
  'kernel/fs/lockd/',
  'kernel/net/sunrpc/',
];

/** Drivers of 10G+ server NICs: no thin client has one, and they would triple the initramfs. */
const MODULE_SKIPPED = [
  'kernel/drivers/net/ethernet/mellanox/', 'kernel/drivers/net/ethernet/qlogic/', 'kernel/drivers/net/ethernet/chelsio/',
  'kernel/drivers/net/ethernet/cavium/', 'kernel/drivers/net/ethernet/huawei/', 'kernel/drivers/net/ethernet/netronome/',
  'kernel/drivers/net/ethernet/sfc/', 'kernel/drivers/net/ethernet/emulex/', 'kernel/drivers/net/ethernet/pensando/',
  'kernel/drivers/net/ethernet/fungible/', 'kernel/drivers/net/ethernet/microsoft/', 'kernel/drivers/net/ethernet/google/',
  'kernel/drivers/net/ethernet/amazon/', 'kernel/drivers/net/ethernet/intel/ice/', 'kernel/drivers/net/ethernet/intel/i40e/',
  'kernel/drivers/net/ethernet/intel/iavf/', 'kernel/drivers/net/ethernet/intel/ixgbe/', 'kernel/drivers/net/ethernet/intel/ixgbevf/',
  'kernel/drivers/net/ethernet/broadcom/bnx2x/', 'kernel/drivers/net/ethernet/broadcom/bnxt/', 'kernel/drivers/net/ethernet/marvell/octeontx2/',
  'kernel/drivers/net/ethernet/marvell/prestera/', 'kernel/drivers/net/ethernet/mscc/',
];

const moduleName = (path: string) => posix.basename(path).replace(/\.ko(\.(xz|zst|gz))?$/, '').replace(/-/g, '_');

/** The wanted modules of a kernel and everything they depend on; the filtered modules.dep and modules.alias. */
export function selectModules(kernel: RootKernel): { files: string[]; dep: string; alias: string } {
  const depText = readFileSync(posix.join(kernel.modules, 'modules.dep'), 'utf8');
  const deps = new Map<string, string[]>();
  for (const line of depText.split('\n')) {
    const m = /^([^:]+):\s*(.*)$/.exec(line);
    if (m) deps.set(m[1], m[2].split(/\s+/).filter(Boolean));
  }
  const chosen = new Set<string>();
  const add = (mod: string) => {
    if (chosen.has(mod) || !deps.has(mod)) return;
    chosen.add(mod);
    for (const d of deps.get(mod)!) add(d);
  };
  for (const mod of deps.keys()) if (MODULE_PREFIXES.some((p) => mod.startsWith(p)) && !MODULE_SKIPPED.some((p) => mod.startsWith(p))) add(mod);
  const files = [...chosen].sort();
  const names = new Set(files.map(moduleName));
  let aliasText = '';
  try {
    aliasText = readFileSync(posix.join(kernel.modules, 'modules.alias'), 'utf8');
  } catch {
    // no aliases: the NIC driver is then not found by its PCI id
  }
  const alias = aliasText
    .split('\n')
    .filter((l) => /^alias\s+\S+\s+(\S+)/.test(l) && names.has(l.split(/\s+/)[2].replace(/-/g, '_')))
    .join('\n');
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

/** What goes into the initramfs, or a message naming what the root lacks. */
export function initramfsEntries(input: InitramfsInput): InitramfsEntry[] {
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
  file('/bin/busybox', readFileSync(busybox), 0o755);
  // the scripts' #! line, before /init has installed the other applets
  entries.set('/bin/sh', { path: '/bin/sh', kind: 'symlink', mode: 0o777, data: Buffer.from('busybox') });

  if (input.nbd) {
    const client = findIn(root, ['/usr/sbin/nbd-client', '/sbin/nbd-client', '/usr/bin/nbd-client']);
    if (!client) throw new Error(`no nbd-client in the root ${root}; install sys-block/nbd (Debian: nbd-client) into the root`);
    file('/sbin/nbd-client', readFileSync(client.file), 0o755);
    const libs = neededLibraries(root, client.file);
    if (libs) {
      file(libs.interpreter, readFileSync(libs.loader), 0o755);
      // flat in /lib: /init runs with LD_LIBRARY_PATH=/lib, there is no ld.so.cache
      for (const lib of libs.libraries) file(posix.join('/lib', posix.basename(lib)), readFileSync(lib), 0o755);
    }
  }

  const mods = selectModules(kernel);
  const modDir = `/lib/modules/${kernel.version}`;
  for (const m of mods.files) file(posix.join(modDir, m), readFileSync(posix.join(kernel.modules, m)), 0o644);
  file(posix.join(modDir, 'modules.dep'), Buffer.from(mods.dep), 0o644);
  file(posix.join(modDir, 'modules.alias'), Buffer.from(mods.alias), 0o644);
  for (const extra of ['modules.builtin', 'modules.order']) {
    try {
      file(posix.join(modDir, extra), readFileSync(posix.join(kernel.modules, extra)), 0o644);
    } catch {
      // optional
    }
  }
  for (const [p, text] of Object.entries(input.scripts)) file(p, Buffer.from(text), 0o755);
  return [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** A newc cpio archive of the entries. */
function cpio(entries: InitramfsEntry[]): Buffer {
  const chunks: Buffer[] = [];
  const pad = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);
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

/** A newc cpio archive of the entries, gzip'd. */
export function cpioGzip(entries: InitramfsEntry[]): Buffer {
  return gzipSync(cpio(entries), { level: GZIP_LEVEL });
}

/** The same bytes as cpioGzip, compressed in node's thread pool: the caller's thread (and a running mksquashfs) go on meanwhile. */
export function cpioGzipAsync(entries: InitramfsEntry[]): Promise<Buffer> {
  return gzipAsync(cpio(entries), { level: GZIP_LEVEL });
}
