// The rules of [boot] loader and [http]: kernels over HTTP are fetched by
// iPXE only (pxelinux and syslinux.efi speak TFTP alone), and the HTTP server
// must not share its address and port with the TFTP server's TCP side.
import type { Site } from './types';

type Table = Record<string, unknown>;
type Report = (key: string, problem: string, expected: string) => void;

/** Site.http from the schema-checked [http] table; reports what does not fit [boot]. */
export function httpOf(http: Table, boot: Table, serverAddress: string, report: Report): Site['http'] {
  if (http.enabled !== true) return undefined;
  if (boot.loader !== 'ipxe')
    report('http.enabled', `kernels over HTTP need iPXE, and boot.loader is "${boot.loader as string}"`, 'expected boot.loader = "ipxe" with http.enabled = true');
  return {
    address: (http.address as string | undefined) ?? serverAddress,
    port: http.port as number,
    user: http.user as string,
    group: http.group as string,
  };
}
