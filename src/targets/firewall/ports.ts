// The ports the thin clients reach on the server, from site.toml.
import type { Site } from '../../site/types';

export type Port = number | [number, number];

interface Service {
  what: string;
  udp: Port[];
  tcp: Port[];
}

/** DHCP: which ports, by dhcp.mode. */
export function dhcpPorts(site: Site): number[] {
  switch (site.dhcp.mode) {
    case 'primary':
      return [67];
    case 'port-1067':
    case 'nfsroot':
      return [site.dhcp.port];
    case 'proxy':
      return [67, 4011]; // proxyDHCP and the PXE boot server port
    case 'none':
      return [];
  }
}

/** Everything but DHCP: TFTP, HTTP for iPXE, NFS, rpcbind, mountd, syslog, XDMCP. */
export function services(site: Site): Service[] {
  const out: Service[] = [];
  const tftp: Port[] = [site.tftp.port];
  if (site.tftp.dataPorts) tftp.push(site.tftp.dataPorts);
  out.push({ what: 'TFTP', udp: tftp, tcp: [] });
  if (site.http) out.push({ what: 'HTTP (boot files)', udp: [], tcp: [site.http.port] });
  out.push({ what: 'rpcbind', udp: [111], tcp: [111] });
  out.push({ what: 'NFS', udp: [2049], tcp: [2049] });
  out.push({ what: 'mountd', udp: [site.nfs.mountdPort], tcp: [site.nfs.mountdPort] });
  if (site.images.some((img) => img.serve === 'nbd')) out.push({ what: 'NBD', udp: [], tcp: [site.nbd.port] });
  const { udpPort, tcpPort } = site.syslog;
  if (udpPort || tcpPort) out.push({ what: 'syslog', udp: udpPort ? [udpPort] : [], tcp: tcpPort ? [tcpPort] : [] });
  if (site.xdmcp.enabled) out.push({ what: 'XDMCP', udp: [site.xdmcp.port], tcp: [] });
  return out;
}

/** The ports of a protocol, each once, in first-seen order. */
export function portsOf(list: Service[], proto: 'udp' | 'tcp'): Port[] {
  const seen = new Set<string>();
  const out: Port[] = [];
  for (const s of list)
    for (const p of s[proto]) {
      const key = String(p);
      if (!seen.has(key)) {
        seen.add(key);
        out.push(p);
      }
    }
  return out;
}

export function whatOf(list: Service[], proto: 'udp' | 'tcp'): string {
  return list.filter((s) => s[proto].length > 0).map((s) => s.what).join(', ');
}
