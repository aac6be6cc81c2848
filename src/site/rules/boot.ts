// [boot] loader and [http]: kernels over HTTP are fetched by iPXE only
// (pxelinux and syslinux.efi speak TFTP alone); the HTTP server listens on the
// server's address unless http.address says otherwise.
import type { Reporter } from '../reporter';
import type { Site, SiteValues } from '../types';

export function checkBoot(r: Reporter, { boot, http, server }: SiteValues): Site['http'] {
  if (!http.enabled) return undefined;
  if (boot.loader !== 'ipxe')
    r.report('http.enabled', `kernels over HTTP need iPXE, and boot.loader is "${boot.loader}"`, 'expected boot.loader = "ipxe" with http.enabled = true');
  return { address: http.address ?? server.address, port: http.port, user: http.user, group: http.group };
}
