// Which client architectures the site boots, and with what: for BIOS and
// x86-64 UEFI, the loader DHCP hands out and whether every file that loader
// needs is on hand (a file to copy that the system lacks: the package to
// emerge). The file rows count the problems; these rows say what they mean
// for the clients.
import { posix } from 'node:path';
import type { Site } from '../site/types';
import type { FileStatus } from '../system/inspect';
import { ARCH_NAMES, architectures } from '../targets/boot-loaders';
import { efiDir, firstStage, type Arch } from '../site/boot-line';
import type { Health } from './types';

export interface ArchStatus {
  arch: Arch;
  name: string;
  /** ready: every loader file is there or can be copied; missing: some cannot; off: boot.uefi = false */
  state: 'ready' | 'missing' | 'off';
  health: Health;
  /** the file DHCP hands a PXE ROM of this architecture, inside the TFTP root */
  loader: string;
  /** loader files the system lacks, with what to install */
  missing: { path: string; hint: string }[];
  next: string;
}

const LOADER_TARGETS = ['pxelinux', 'ipxe'];

/** The copied loader files of one architecture, among the inspected files. */
function loaderFilesOf(site: Site, arch: Arch, files: FileStatus[]): FileStatus[] {
  const efi = posix.join(site.tftp.root, efiDir(site)) + '/';
  const copies = files.filter((f) => f.kind === 'copy' && LOADER_TARGETS.includes(f.target));
  if (site.boot.loader === 'ipxe') {
    const own = posix.join(site.tftp.root, firstStage(site, arch));
    return copies.filter((f) => f.path === own);
  }
  return copies.filter((f) => f.path.startsWith(efi) === (arch === 'uefi'));
}

export function checkArchitectures(site: Site, files: FileStatus[]): ArchStatus[] {
  const on = architectures(site);
  return (['bios', 'uefi'] as Arch[]).map((arch) => {
    const loader = firstStage(site, arch);
    const base = { arch, name: ARCH_NAMES[arch], loader };
    if (!on.includes(arch)) return { ...base, state: 'off', health: 'ok', missing: [], next: 'nothing to do (boot.uefi = false: UEFI clients get no boot file)' };
    const missing = loaderFilesOf(site, arch, files)
      .filter((f) => f.state === 'unavailable')
      .map((f) => ({ path: f.path, hint: f.hint ?? '' }));
    if (missing.length) return { ...base, state: 'missing', health: 'problem', missing, next: missing[0].hint };
    return { ...base, state: 'ready', health: 'ok', missing, next: `nothing to do (${site.boot.loader})` };
  });
}
