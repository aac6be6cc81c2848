// The iPXE script (boot.loader = "ipxe"), <boot dir>/ltsp.ipxe in the TFTP
// root, and the iPXE loaders beside it: undionly.kpxe for BIOS PXE ROMs,
// ipxe.efi for UEFI ones. DHCP hands a PXE ROM its loader and iPXE the script
// (src/targets/boot-loaders.ts says which file is which).
//
// The script means what the pxelinux tree means: one entry for every client
// and one per host that boots anything else (found by MAC address, as
// pxelinux.cfg/01-<mac>), the same kernel, initramfs and append line (an
// [[image]]'s own kernel and initramfs with its ltsp.root=, else boot.kernel
// and boot.initrd), a menu with boot.timeout when there is a choice (network
// or local disk).
// Kernel and initramfs come over HTTP when [http] is enabled, else TFTP.
import { posix } from 'node:path';
import type { Host, Site } from '../../site/types';
import { generatedHeader, render } from '../template';
import { bootDir, ipxeBaseUrl, ipxeEntry as entry, IPXE_INITRD_NAME, ipxeScriptPath } from '../../site/boot-line';
import { architectures, loaderCopy, otherLoader } from '../boot-loaders';
import type { PlannedItem, Target } from '../types';
import template from './ltsp.ipxe.hbs';

/** iPXE's label for a host: mac-52-54-00-5e-00-21, what ${netX/mac:hexhyp} expands to. */
const macLabel = (host: Host) => `mac-${host.mac.replace(/:/g, '-')}`;

export function renderIpxeScript(site: Site): string {
  const def = entry(site);
  // a host gets an entry of its own when it boots anything else: its own
  // kernel parameters, or the kernel and initramfs of another image
  const own = site.hosts.filter((h) => {
    const e = entry(site, h);
    return e.kernel !== def.kernel || e.initrd !== def.initrd || e.append !== def.append;
  });
  const entries = [
    { label: 'default', host: false, ...def },
    ...own.map((h) => ({ label: macLabel(h), host: `${h.name} (${h.mac})`, ...entry(site, h) })),
  ];
  const menu = site.boot.timeout > 0;
  return render(template, {
    header: generatedHeader('#', site).trimEnd(),
    base: ipxeBaseUrl(site),
    transport: site.http ? 'HTTP, ltsp-httpd' : 'TFTP, ltsp-tftpd',
    entries,
    start: menu ? 'menu' : 'boot',
    menu,
    title: site.boot.menuLabel,
    // boot.timeout is in tenths of a second, as pxelinux counts
    timeoutMs: site.boot.timeout * 100,
    // all entries have an initramfs or none: every image has one, boot.initrd is the whole site's
    initrd: entries.every((e) => e.initrd),
    initrdName: IPXE_INITRD_NAME,
  });
}

const unused = (site: Site) => otherLoader(site, 'ipxe');

export const ipxe: Target = {
  name: 'ipxe',
  summary: 'the iPXE boot tree (boot.loader = "ipxe"): undionly.kpxe (BIOS), ipxe.efi (UEFI) and the generated script ltsp.ipxe',
  whyNoFile: unused,
  plan(site, platform) {
    if (unused(site)) return [];
    const items: PlannedItem[] = architectures(site).map((arch) => loaderCopy(site, platform, arch === 'bios' ? 'undionly.kpxe' : 'ipxe.efi'));
    const dir = bootDir(site);
    if (dir !== '/') items.unshift({ kind: 'dir', path: posix.join(site.tftp.root, dir), mode: 0o755, owner: site.tftp.user, group: site.tftp.group });
    items.push({ kind: 'file', path: posix.join(site.tftp.root, ipxeScriptPath(site)), content: renderIpxeScript(site), mode: 0o644, owner: site.tftp.user, group: site.tftp.group });
    return items;
  },
};
