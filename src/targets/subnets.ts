// The thin-client subnets written the ways the server's daemons want them
// (the arithmetic itself is in src/site/ipv4.ts).
import { broadcastOf, formatIPv4, ipv4Number } from '../site/ipv4';
import type { Site, Subnet } from '../site/types';

export function clientSubnets(site: Site): Subnet[] {
  return site.network.subnets;
}

/** first and last address of a subnet, as 32-bit numbers */
export function subnetRange(s: Subnet): [number, number] {
  const network = ipv4Number(s.network);
  return [network, broadcastOf({ network, prefix: s.prefix })];
}

/** tcp-wrappers: 192.168.0.0/255.255.255.0 */
export function wrappersPattern(s: Subnet): string {
  return `${s.network}/${s.netmask}`;
}

/**
 * xdm's Xaccess matches a client by its host name or, when the address has no
 * name, by its dotted address as text, with * and ? wildcards: a subnet becomes
 * one "a.b.c.*" pattern per /24 (or /16, /8) it covers, or the single addresses
 * of a subnet smaller than a /24.
 */
export function xaccessPatterns(s: Subnet): string[] {
  const [first, last] = subnetRange(s);
  const octets = Math.ceil(s.prefix / 8); // octets fixed by the pattern
  if (octets >= 4 || s.prefix > 24) {
    const out: string[] = [];
    for (let n = first; n <= last; n++) out.push(formatIPv4(n));
    return out;
  }
  const step = 2 ** (32 - octets * 8);
  const stars = Array(4 - octets).fill('*').join('.');
  const out: string[] = [];
  for (let n = first; n <= last; n += step) {
    const fixed = formatIPv4(n).split('.').slice(0, octets).join('.');
    out.push(octets === 0 ? '*' : `${fixed}.${stars}`);
  }
  return out;
}
