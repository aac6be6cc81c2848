// Reading a client root from the server: paths resolved as the client would
// resolve them (an absolute symlink inside the root points inside the root),
// its kernels, its X server, and the libraries one of its programs needs.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { posix } from 'node:path';

/** `path` (absolute, as the client sees it) resolved inside `root`, symlinks followed within it; null when absent. */
export function resolveIn(root: string, path: string): string | null {
  let parts = path.split('/').filter(Boolean);
  const done: string[] = [];
  for (let hops = 0; parts.length > 0; ) {
    const part = parts.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const here = posix.join(root, ...done, part);
    let st;
    try {
      st = lstatSync(here);
    } catch {
      return null;
    }
    if (st.isSymbolicLink()) {
      if (++hops > 40) return null;
      const target = readlinkSync(here);
      if (target.startsWith('/')) done.length = 0;
      parts = [...target.split('/').filter(Boolean), ...parts];
      continue;
    }
    done.push(part);
  }
  return posix.join(root, ...done);
}

/** The first of `paths` present in the root (as a file), resolved. */
export function findIn(root: string, paths: string[]): { path: string; file: string } | null {
  for (const p of paths) {
    const file = resolveIn(root, p);
    if (file && existsSync(file) && statSync(file).isFile()) return { path: p, file };
  }
  return null;
}

/** 6.1.0-27-amd64 before 6.10.2: numeric parts compared as numbers */
function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    const nx = Number(x);
    const ny = Number(y);
    const c = !Number.isNaN(nx) && !Number.isNaN(ny) && x !== '' && y !== '' ? nx - ny : x.localeCompare(y);
    if (c !== 0) return c;
  }
  return 0;
}

export interface RootKernel {
  version: string;
  /** the kernel image, resolved on the server */
  image: string;
  /** lib/modules/VERSION, resolved on the server */
  modules: string;
}

/** The newest kernel of the root that has its modules: /boot/vmlinuz-V, /boot/kernel-V or /lib/modules/V/vmlinuz. */
export function findKernel(root: string): RootKernel | null {
  const modulesRoot = resolveIn(root, '/lib/modules');
  if (!modulesRoot || !existsSync(modulesRoot)) return null;
  const versions = readdirSync(modulesRoot).filter((v) => existsSync(posix.join(modulesRoot, v, 'modules.dep'))).sort(compareVersions).reverse();
  for (const version of versions) {
    const found = findIn(root, [`/boot/vmlinuz-${version}`, `/boot/kernel-${version}`, `/lib/modules/${version}/vmlinuz`]);
    if (found) return { version, image: found.file, modules: posix.join(modulesRoot, version) };
  }
  return null;
}

/** The X server of the root, if it has one. */
export function findXServer(root: string): string | null {
  return findIn(root, ['/usr/bin/Xorg', '/usr/lib/xorg/Xorg', '/usr/libexec/Xorg'])?.file ?? null;
}

/** PT_INTERP of an ELF file: its dynamic loader; null for a static program (or no ELF). */
export function elfInterpreter(file: string): string | null {
  const b = readFileSync(file);
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46) return null;
  const is64 = b[4] === 2;
  const le = b[5] === 1;
  const u16 = (o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const u64 = (o: number) => Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
  const phoff = is64 ? u64(32) : u32(28);
  const phentsize = u16(is64 ? 54 : 42);
  const phnum = u16(is64 ? 56 : 44);
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (ph + phentsize > b.length || u32(ph) !== 3) continue;
    const off = is64 ? u64(ph + 8) : u32(ph + 4);
    const size = is64 ? u64(ph + 32) : u32(ph + 16);
    return b.subarray(off, off + size).toString('latin1').replace(/\0+$/, '');
  }
  return null;
}

const LIB_DIRS = ['/lib64', '/usr/lib64', '/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib', '/usr/lib'];

/**
 * The shared libraries a program of the root needs, found by the root's own
 * dynamic loader in list mode with the root's library directories first.
 * Returns the loader (as the program names it) and each library's file on the server.
 */
export function neededLibraries(root: string, program: string): { interpreter: string; loader: string; libraries: string[] } | null {
  const interpreter = elfInterpreter(program);
  if (!interpreter) return null;
  const loader = resolveIn(root, interpreter);
  if (!loader) throw new Error(`${program} needs ${interpreter}, which the root ${root} lacks`);
  const dirs = LIB_DIRS.map((d) => resolveIn(root, d)).filter((d): d is string => d !== null);
  const r = spawnSync(loader, ['--library-path', dirs.join(':'), '--list', program], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${interpreter} --list ${program} failed: ${(r.stderr || r.error?.message || '').trim()}`);
  const libraries: string[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /=>\s+(\/\S+)/.exec(line);
    if (!m) continue;
    if (m[1] !== root && !m[1].startsWith(root + '/')) throw new Error(`${program} needs ${m[1]}, which is not in the root ${root}`);
    libraries.push(m[1]);
  }
  return { interpreter, loader, libraries };
}
