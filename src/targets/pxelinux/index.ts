// The PXE boot tree under the TFTP root: pxelinux.0 where boot.pxe_filename
// says, ldlinux.c32 (and the menu modules) beside it, pxelinux.cfg/default and
// one pxelinux.cfg/01-<mac> for each host whose kernel command line differs.
//
// pxelinux takes the directory of its own file name (from DHCP) as its path
// prefix: it looks for pxelinux.cfg/ and ldlinux.c32 there, and prepends the
// prefix to every file name in the config that is not qualified. So the
// bootloader, its modules and pxelinux.cfg/ always share one directory, and
// the kernel and initrd are written relative to it when they lie below it,
// else as "::/path" (pxelinux's "no prefix" form; tftpd-hpa's -s resolves
// "/path" inside the root). The files are copied, not symlinked: in.tftpd
// chroots into the root and could not follow a link out of it.
import { posix } from 'node:path';
import type { Host, Site } from '../../site/types';
import { generatedHeader, render } from '../template';
import type { CopiedFile, Directory, Platform, PlannedItem, Target, WholeFile } from '../types';
import template from './pxelinux.cfg.hbs';
import { imageBoot } from '../image/boot';

const HINT = 'emerge --ask sys-boot/syslinux';

/** Where each syslinux file lives: Gentoo's sys-boot/syslinux, then Debian's pxelinux and syslinux-common. */
const SOURCES: Record<string, { gentoo: string[]; debian: string[] }> = {
  'pxelinux.0': { gentoo: ['/usr/share/syslinux/pxelinux.0'], debian: ['/usr/lib/PXELINUX/pxelinux.0'] },
  'ldlinux.c32': { gentoo: ['/usr/share/syslinux/ldlinux.c32'], debian: ['/usr/lib/syslinux/modules/bios/ldlinux.c32'] },
  'menu.c32': { gentoo: ['/usr/share/syslinux/menu.c32'], debian: ['/usr/lib/syslinux/modules/bios/menu.c32'] },
  'libutil.c32': { gentoo: ['/usr/share/syslinux/libutil.c32'], debian: ['/usr/lib/syslinux/modules/bios/libutil.c32'] },
};

function candidates(file: string, platform: Platform): string[] {
  const s = SOURCES[file];
  return platform.gentoo ? [...s.gentoo, ...s.debian] : [...s.debian, ...s.gentoo];
}

/** The directory pxelinux uses as its path prefix: that of boot.pxe_filename. */
export function bootDir(site: Site): string {
  return posix.dirname(site.boot.pxeFilename);
}

/** A path inside the TFTP root as pxelinux must see it in its config. */
export function pxelinuxPath(site: Site, path: string): string {
  const dir = bootDir(site);
  const below = dir === '/' ? path.slice(1) : path.startsWith(dir + '/') ? path.slice(dir.length + 1) : null;
  return below ?? `::${path}`;
}

/** ttyS1,115200n8 -> SERIAL 1 115200 and console=ttyS1,115200n8 */
function serial(site: Site): { port: number; baud: number; console: string } | undefined {
  const s = site.boot.serialConsole;
  if (!s) return undefined;
  const m = /^ttyS(\d+)(?:,(\d+))?/.exec(s)!;
  return { port: Number(m[1]), baud: m[2] ? Number(m[2]) : 9600, console: s };
}

/** The kernel command line for every client, or for one host. */
export function appendLine(site: Site, host?: Host): string {
  // an [[image]] boots the generated initramfs, which finds its root itself
  const image = imageBoot(site, host);
  const parts = image ? [...image.append] : ['root=/dev/nfs', `nfsroot=${site.server.address}:${site.nfs.root}`, 'ip=dhcp'];
  const con = serial(site);
  if (con) parts.push('console=tty0', `console=${con.console}`);
  if (site.boot.kernelAppend) parts.push(site.boot.kernelAppend);
  if (host) {
    // the names LTSP 4's initramfs reads, as option 129 carries them for Etherboot ROMs
    if (host.nic) parts.push(`NIC=${host.nic}`);
    if (host.io) parts.push(`IO=${host.io}`);
    if (host.mountOptions) parts.push(`MOPTS=${host.mountOptions}`);
    if (host.kernelAppend) parts.push(host.kernelAppend);
  }
  return parts.join(' ');
}

/** A host needs its own file only when its command line differs from the default one. */
function differs(site: Site, host: Host): boolean {
  return appendLine(site, host) !== appendLine(site);
}

function config(site: Site, host?: Host): string {
  const header = generatedHeader('#', site).trimEnd();
  const con = serial(site);
  const image = imageBoot(site, host);
  return render(template, {
    header,
    forHost: host ? `${host.name} (${host.mac})` : false,
    serial: con ? { port: con.port, baud: con.baud } : false,
    menu: site.boot.timeout > 0,
    label: site.boot.menuLabel,
    timeout: site.boot.timeout,
    kernel: pxelinuxPath(site, image ? image.kernel : site.boot.kernel),
    initrd: image ? pxelinuxPath(site, image.initrd) : site.boot.initrd ? pxelinuxPath(site, site.boot.initrd) : false,
    append: appendLine(site, host),
  });
}

export const pxelinux: Target = {
  name: 'pxelinux',
  summary: 'the PXE boot tree: pxelinux.0 and its modules, pxelinux.cfg/default and per-host files',
  plan(site, platform) {
    const dir = bootDir(site);
    const owner = { owner: site.tftp.user, group: site.tftp.group };
    const inRoot = (p: string) => posix.join(site.tftp.root, p);
    const cfgDir = posix.join(dir, 'pxelinux.cfg');
    const copy = (file: string, at: string): CopiedFile => ({
      kind: 'copy',
      path: inRoot(at),
      from: candidates(file, platform),
      mode: 0o644,
      ...owner,
      missingHint: HINT,
    });
    const file = (at: string, content: string): WholeFile => ({ kind: 'file', path: inRoot(at), content, mode: 0o644, ...owner });
    const cfgDirItem: Directory = { kind: 'dir', path: inRoot(cfgDir), mode: 0o755, ...owner };

    const items: PlannedItem[] = [
      copy('pxelinux.0', site.boot.pxeFilename),
      copy('ldlinux.c32', posix.join(dir, 'ldlinux.c32')),
    ];
    if (site.boot.timeout > 0) {
      items.push(copy('menu.c32', posix.join(dir, 'menu.c32')), copy('libutil.c32', posix.join(dir, 'libutil.c32')));
    }
    items.push(cfgDirItem, file(posix.join(cfgDir, 'default'), config(site)));
    for (const host of site.hosts) {
      if (differs(site, host)) items.push(file(posix.join(cfgDir, `01-${host.mac.replace(/:/g, '-')}`), config(site, host)));
    }
    return items;
  },
};
