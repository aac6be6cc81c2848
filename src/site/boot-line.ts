// What a thin client's boot is handed, as plain strings of the validated site:
// the kernel command line (APPEND of pxelinux, the kernel line of the iPXE
// script), option 129 and root-path for DHCP, and the files an [[image]] boots.
// The targets print them; the site rules (rules/boot-line.ts) measure them
// against what the loaders, the kernel and DHCP can carry. No templates here:
// `get` loads this module too.
import { posix } from 'node:path';
import type { Host, Image, Site } from './types';

/** The directory of an image's boot files, absolute inside the TFTP root. */
export function imageBootDir(image: Image): string {
  return `/ltsp/${image.name}`;
}

/** The image a host boots (the default image without a host); undefined without [[image]]. */
export function imageOf(site: Site, host?: Host): Image | undefined {
  const name = host?.image;
  return site.images.find((img) => img.name === name) ?? site.images.find((img) => img.default);
}

/** ltsp.root=nbd:SERVER:PORT:EXPORT or ltsp.root=nfs:SERVER:/PATH */
export function rootArgument(site: Site, image: Image): string {
  const server = site.server.address;
  return image.serve === 'nbd' ? `ltsp.root=nbd:${server}:${site.nbd.port}:${image.name}` : `ltsp.root=nfs:${server}:${image.root}`;
}

export interface ImageBoot {
  kernel: string;
  initrd: string;
  /** kernel parameters before the site's and the host's own */
  append: string[];
}

export function imageBoot(site: Site, host?: Host): ImageBoot | undefined {
  const image = imageOf(site, host);
  if (!image) return undefined;
  const dir = imageBootDir(image);
  return { kernel: posix.join(dir, 'vmlinuz'), initrd: posix.join(dir, 'initrd.img'), append: [rootArgument(site, image)] };
}

/** SERVER:PATH, the exported client root as the clients mount it (root-path, nfsroot=). */
export function nfsRootSpec(site: Site): string {
  return `${site.server.address}:${site.nfs.root}`;
}

/** The directory the loaders, their modules and pxelinux.cfg/ share: that of boot.pxe_filename. */
export function bootDir(site: Site): string {
  return posix.dirname(site.boot.pxeFilename);
}

/** syslinux.efi takes its own directory as its prefix: its modules and its pxelinux.cfg/ live there. */
export function efiDir(site: Site): string {
  return posix.join(bootDir(site), 'efi64');
}

/** A client's firmware: BIOS or x86-64 UEFI (src/targets/boot-loaders.ts says how each asks). */
export type Arch = 'bios' | 'uefi';

/** The file a PXE ROM of this architecture is handed (option 67), inside the TFTP root. */
export function firstStage(site: Site, arch: Arch): string {
  if (site.boot.loader === 'ipxe') return posix.join(bootDir(site), arch === 'bios' ? 'undionly.kpxe' : 'ipxe.efi');
  return arch === 'bios' ? site.boot.pxeFilename : posix.join(efiDir(site), 'syslinux.efi');
}

/** The generated iPXE script, inside the TFTP root. */
export function ipxeScriptPath(site: Site): string {
  return posix.join(bootDir(site), 'ltsp.ipxe');
}

/** Where iPXE fetches the kernel and initramfs from: the HTTP server when there is one, else TFTP. */
export function ipxeBaseUrl(site: Site): string {
  if (site.http) return `http://${site.http.address}:${site.http.port}`;
  return `tftp://${site.tftp.address}${site.tftp.port === 69 ? '' : `:${site.tftp.port}`}`;
}

/** What DHCP hands a client that already runs iPXE (user class "iPXE"): the script. */
export function ipxeScriptFilename(site: Site): string {
  // over TFTP a plain path: iPXE fetches it from next-server
  return site.http ? `${ipxeBaseUrl(site)}${ipxeScriptPath(site)}` : ipxeScriptPath(site);
}

/** A path inside the TFTP root as pxelinux must see it in its config. */
export function pxelinuxPath(site: Site, path: string, dir = bootDir(site)): string {
  const below = dir === '/' ? path.slice(1) : path.startsWith(dir + '/') ? path.slice(dir.length + 1) : null;
  return below ?? `::${path}`;
}

/** ttyS1,115200n8 -> port 1, 115200 baud, console=ttyS1,115200n8 (9600 baud when none is given) */
export function serialConsole(site: Site): { port: number; baud: number; console: string } | undefined {
  const s = site.boot.serialConsole;
  if (!s) return undefined;
  const m = /^ttyS(\d+)(?:,(\d+))?/.exec(s)!;
  return { port: Number(m[1]), baud: m[2] ? Number(m[2]) : 9600, console: s };
}

/** The parameters the generated part of the line sets, before boot.kernel_append. */
export function generatedParameters(site: Site, host?: Host): string[] {
  // an [[image]] boots the generated initramfs, which finds its root itself
  const image = imageBoot(site, host);
  const parts = image ? [...image.append] : ['root=/dev/nfs', `nfsroot=${nfsRootSpec(site)}`, 'ip=dhcp'];
  const con = serialConsole(site);
  if (con) parts.push('console=tty0', `console=${con.console}`);
  return parts;
}

/** A host's own parameters, last on its line: the names LTSP 4's initramfs reads (as option 129 carries them for Etherboot ROMs), then its kernel_append. */
export function hostParameters(host: Host): string[] {
  const parts: string[] = [];
  if (host.nic) parts.push(`NIC=${host.nic}`);
  if (host.io) parts.push(`IO=${host.io}`);
  if (host.mountOptions) parts.push(`MOPTS=${host.mountOptions}`);
  if (host.kernelAppend) parts.push(host.kernelAppend);
  return parts;
}

/** The kernel command line for every client, or for one host, as pxelinux's APPEND and iPXE's kernel line carry it. */
export function appendLine(site: Site, host?: Host): string {
  const parts = generatedParameters(site, host);
  if (site.boot.kernelAppend) parts.push(site.boot.kernelAppend);
  if (host) parts.push(...hostParameters(host));
  return parts.join(' ');
}

/** The name iPXE gives the initramfs it loads (`initrd --name`), and names on the kernel line. */
export const IPXE_INITRD_NAME = 'initrd.img';

/** What one iPXE entry boots: an [[image]]'s kernel and initramfs, or boot.kernel and boot.initrd, and its kernel line. */
export function ipxeEntry(site: Site, host?: Host): { kernel: string; initrd: string; append: string } {
  const image = imageBoot(site, host);
  const kernel = image ? image.kernel : site.boot.kernel;
  const initrd = image ? image.initrd : site.boot.initrd;
  // the initramfs is named on the kernel line too (see the iPXE template)
  return { kernel, initrd: initrd ?? '', append: `${initrd ? `initrd=${IPXE_INITRD_NAME} ` : ''}${appendLine(site, host)}` };
}

/** The kernel and initramfs of one pxelinux entry, as the config in `dir` names them. */
export function pxelinuxFiles(site: Site, host: Host | undefined, dir: string): { kernel: string; initrd: string | false } {
  const image = imageBoot(site, host);
  const initrd = image ? image.initrd : site.boot.initrd;
  return { kernel: pxelinuxPath(site, image ? image.kernel : site.boot.kernel, dir), initrd: initrd ? pxelinuxPath(site, initrd, dir) : false };
}

/**
 * The command lines the kernel is handed, one per way this site boots it:
 * - pxelinux and syslinux.efi (ldlinux's execute and kernel.c): "BOOT_IMAGE=KERNEL " before
 *   APPEND, and " initrd=INITRD" after it (its INITRD line);
 * - iPXE's undionly.kpxe (bzimage.c): the kernel line's arguments as they are;
 * - iPXE's EFI build (efi_image.c): the image's name, a space, then the arguments.
 */
export function kernelCommandLines(site: Site, host?: Host): { loader: string; line: string }[] {
  const uefi = site.boot.uefi;
  if (site.boot.loader === 'ipxe') {
    const e = ipxeEntry(site, host);
    const lines = [{ loader: 'iPXE (BIOS)', line: e.append }];
    if (uefi) lines.push({ loader: 'iPXE (UEFI)', line: `${posix.basename(e.kernel)} ${e.append}` });
    return lines;
  }
  const append = appendLine(site, host);
  const dirs: [string, string][] = [['pxelinux (BIOS)', bootDir(site)]];
  if (uefi) dirs.push(['syslinux.efi (UEFI)', efiDir(site)]);
  return dirs.map(([loader, dir]) => {
    const f = pxelinuxFiles(site, host, dir);
    return { loader, line: `BOOT_IMAGE=${f.kernel}${append ? ` ${append}` : ''}${f.initrd ? ` initrd=${f.initrd}` : ''}` };
  });
}

/**
 * Option 129 for a host, from its structured fields only, in the wiki's order:
 * "DPORT=1067 NIC=3c509 IO=0x300 MOPTS=nolock,ro nfsroot=SERVER:PATH".
 * In nfsroot mode every host carries nfsroot=. Empty: no option 129.
 */
export function option129(site: Site, host: Host): string {
  // most hosts have none: no list made for them (one a host, 2,000 of them in a large site)
  if (host.dhcpPort === undefined && !host.nic && !host.io && !host.mountOptions && !host.nfsroot && site.dhcp.mode !== 'nfsroot') return '';
  const parts: string[] = [];
  if (host.dhcpPort !== undefined) parts.push(`DPORT=${host.dhcpPort}`);
  if (host.nic) parts.push(`NIC=${host.nic}`);
  if (host.io) parts.push(`IO=${host.io}`);
  if (host.mountOptions) parts.push(`MOPTS=${host.mountOptions}`);
  if (host.nfsroot || site.dhcp.mode === 'nfsroot') parts.push(`nfsroot=${nfsRootSpec(site)}`);
  return parts.join(' ');
}
