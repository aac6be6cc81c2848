// The PXE boot tree under the TFTP root (boot.loader = "pxelinux"): pxelinux.0
// where boot.pxe_filename says, ldlinux.c32 (and the menu modules) beside it,
// pxelinux.cfg/default and one pxelinux.cfg/01-<mac> for each host whose
// kernel command line differs; for UEFI clients (boot.uefi) syslinux.efi in
// efi64/ below it, with the efi64 builds of the modules (same names, other
// code) and its own copy of the same pxelinux.cfg entries.
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
import { loaderCopy, otherLoader } from '../boot-loaders';
import type { Directory, PlannedItem, Target, WholeFile } from '../types';
import template from './pxelinux.cfg.hbs';
import { appendLine, bootDir, efiDir, pxelinuxFiles, serialConsole } from '../../site/boot-line';


/** A host needs its own file only when its command line differs from the default one. */
function differs(site: Site, host: Host): boolean {
  return appendLine(site, host) !== appendLine(site);
}

/** One pxelinux.cfg file; `dir`: the prefix of the loader that reads it (efi64/ for syslinux.efi). */
function config(site: Site, host?: Host, dir = bootDir(site)): string {
  const header = generatedHeader('#', site).trimEnd();
  const con = serialConsole(site);
  const files = pxelinuxFiles(site, host, dir);
  return render(template, {
    header,
    forHost: host ? `${host.name} (${host.mac})` : false,
    serial: con ? { port: con.port, baud: con.baud } : false,
    menu: site.boot.timeout > 0,
    label: site.boot.menuLabel,
    timeout: site.boot.timeout,
    kernel: files.kernel,
    initrd: files.initrd,
    append: appendLine(site, host),
  });
}

const unused = (site: Site) => otherLoader(site, 'pxelinux');

export const pxelinux: Target = {
  name: 'pxelinux',
  summary: 'the PXE boot tree: pxelinux.0 (BIOS) and syslinux.efi (UEFI) with their modules, pxelinux.cfg/default and per-host files',
  whyNoFile: unused,
  plan(site, platform) {
    if (unused(site)) return [];
    const owner = { owner: site.tftp.user, group: site.tftp.group };
    const inRoot = (p: string) => posix.join(site.tftp.root, p);
    const file = (at: string, content: string): WholeFile => ({ kind: 'file', path: inRoot(at), content, mode: 0o644, ...owner });
    const menu = site.boot.timeout > 0;
    // BIOS: pxelinux.0 where boot.pxe_filename says, its modules beside it;
    // UEFI: syslinux.efi in efi64/ below it, with the efi64 builds of the same
    // modules (same names, other code) and the same pxelinux.cfg files
    const loaders: { dir: string; files: string[] }[] = [
      { dir: bootDir(site), files: ['ldlinux.c32', ...(menu ? ['menu.c32', 'libutil.c32'] : [])] },
    ];
    if (site.boot.uefi) loaders.push({ dir: efiDir(site), files: ['efi64/syslinux.efi', 'efi64/ldlinux.e64', ...(menu ? ['efi64/menu.c32', 'efi64/libutil.c32'] : [])] });

    const items: PlannedItem[] = [loaderCopy(site, platform, 'pxelinux.0', site.boot.pxeFilename)];
    loaders.forEach(({ dir, files }, i) => {
      if (i > 0) items.push({ kind: 'dir', path: inRoot(dir), mode: 0o755, ...owner });
      items.push(...files.map((f) => loaderCopy(site, platform, f, posix.join(bootDir(site), f))));
      const cfgDir = posix.join(dir, 'pxelinux.cfg');
      const cfgDirItem: Directory = { kind: 'dir', path: inRoot(cfgDir), mode: 0o755, ...owner };
      items.push(cfgDirItem, file(posix.join(cfgDir, 'default'), config(site, undefined, dir)));
      for (const host of site.hosts) {
        if (differs(site, host)) items.push(file(posix.join(cfgDir, `01-${host.mac.replace(/:/g, '-')}`), config(site, host, dir)));
      }
    });
    return items;
  },
};
