// The first stage of a network boot, per client architecture: which loader
// file each kind of PXE ROM is handed (DHCP option 67), where that file lies
// in the TFTP root, and where Gentoo's and Debian's packages install it.
// dhcpd, dnsmasq, the pxelinux and iPXE trees and status all ask here, so the
// file DHCP names is the file the tree holds.
//
// What clients say (option 93, client system architecture, RFC 4578):
//   0     BIOS PXE ROMs, and iPXE started from one (user class "iPXE")
//   7, 9  x86-64 UEFI (OVMF and most firmware send 7)
// iPXE itself, whatever the firmware, sends user class "iPXE": it must get the
// iPXE script, never the loader again, or it would chain itself forever.
import { posix } from 'node:path';
import type { BootLoader } from '../site/schema';
import type { Site } from '../site/types';
import type { CopiedFile, Platform } from './types';
import { bootDir, type Arch } from '../site/boot-line';

export const ARCH_NAMES: Record<Arch, string> = { bios: 'BIOS (option 93 = 0)', uefi: 'x86-64 UEFI (option 93 = 7 or 9)' };
/** option 93 values answered with the UEFI loader */
export const UEFI_ARCH_CODES = [7, 9] as const;

interface Source {
  gentoo: string[];
  debian: string[];
  hint: string;
}

const SYSLINUX_HINT = 'emerge --ask sys-boot/syslinux';
const SYSLINUX_EFI_HINT = 'emerge --ask sys-boot/syslinux (USE=uefi, its default)';
const efi64Module = (name: string): Source => ({
  gentoo: [`/usr/share/syslinux/efi64/${name}`],
  debian: [`/usr/lib/syslinux/modules/efi64/${name}`],
  hint: SYSLINUX_EFI_HINT,
});

/** Every file a loader needs, by its name in the tree. */
const SOURCES: Record<string, Source> = {
  'pxelinux.0': { gentoo: ['/usr/share/syslinux/pxelinux.0'], debian: ['/usr/lib/PXELINUX/pxelinux.0'], hint: SYSLINUX_HINT },
  'ldlinux.c32': { gentoo: ['/usr/share/syslinux/ldlinux.c32'], debian: ['/usr/lib/syslinux/modules/bios/ldlinux.c32'], hint: SYSLINUX_HINT },
  'menu.c32': { gentoo: ['/usr/share/syslinux/menu.c32'], debian: ['/usr/lib/syslinux/modules/bios/menu.c32'], hint: SYSLINUX_HINT },
  'libutil.c32': { gentoo: ['/usr/share/syslinux/libutil.c32'], debian: ['/usr/lib/syslinux/modules/bios/libutil.c32'], hint: SYSLINUX_HINT },
  'efi64/syslinux.efi': { gentoo: ['/usr/share/syslinux/efi64/syslinux.efi'], debian: ['/usr/lib/SYSLINUX.EFI/efi64/syslinux.efi'], hint: SYSLINUX_EFI_HINT },
  'efi64/ldlinux.e64': efi64Module('ldlinux.e64'),
  'efi64/menu.c32': efi64Module('menu.c32'),
  'efi64/libutil.c32': efi64Module('libutil.c32'),
  // sys-firmware/ipxe builds undionly.kpxe with USE=undi and the UEFI image with USE=uefi64;
  // Debian's snponly.efi drives the NIC through the firmware's own driver, so it comes first
  'undionly.kpxe': { gentoo: ['/usr/share/ipxe/undionly.kpxe'], debian: ['/usr/lib/ipxe/undionly.kpxe'], hint: 'emerge --ask sys-firmware/ipxe with USE="undi" (in /etc/portage/package.use)' },
  'ipxe.efi': {
    gentoo: ['/usr/share/ipxe/snponly.efi', '/usr/share/ipxe/ipxe-x86_64.efi', '/usr/share/ipxe/ipxe.efi'],
    debian: ['/usr/lib/ipxe/snponly.efi', '/usr/lib/ipxe/ipxe.efi'],
    hint: 'emerge --ask sys-firmware/ipxe with USE="uefi64" (in /etc/portage/package.use)',
  },
};

/** Why a boot loader's target writes nothing for this site: boot.loader names the other one. */
export function otherLoader(site: Site, loader: BootLoader): string | undefined {
  return site.boot.loader === loader ? undefined : `boot.loader = "${site.boot.loader}" (${loader} boots the clients only with boot.loader = "${loader}")`;
}


/** A loader file copied into the tree: `name` is its key in SOURCES, `at` its path in the TFTP root. */
export function loaderCopy(site: Site, platform: Platform, name: string, at = posix.join(bootDir(site), name)): CopiedFile {
  const s = SOURCES[name];
  return {
    kind: 'copy',
    path: posix.join(site.tftp.root, at),
    from: platform.gentoo ? [...s.gentoo, ...s.debian] : [...s.debian, ...s.gentoo],
    mode: 0o644,
    owner: site.tftp.user,
    group: site.tftp.group,
    missingHint: s.hint,
  };
}

/** The architectures this site answers. */
export function architectures(site: Site): Arch[] {
  return site.boot.uefi ? ['bios', 'uefi'] : ['bios'];
}

