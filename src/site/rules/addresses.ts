// Address rules: subnets that do not overlap, routers and dynamic ranges inside
// their subnet, the server inside the thin-client subnet and outside every range.
import { broadcastOf, formatIPv4, inCidr, ipv4Number as ip, maskOf, parseCidr, type Cidr } from '../ipv4';
import type { Reporter } from '../reporter';
import { dhcpPortRules, reservedAddressRules, type SubnetAddresses } from '../address-rules';
import type { SiteValues, Subnet } from '../types';

/** The site's subnets, and where an address falls among them (for the host rules). */
export interface Addressing {
  /** the thin-client subnet first, then the extra ones on the same wire */
  subnets: Subnet[];
  /** the key of each subnet's range, for messages */
  rangePaths: string[];
  /** index of the subnet that holds the address, or -1 */
  subnetOf(address: string): number;
  /** index of the subnet whose dynamic range holds the address, or -1 */
  rangeOf(address: string): number;
  /** each subnet with its key, network, broadcast and routers, for the address rules */
  addresses: SubnetAddresses[];
}

function makeSubnet(cidr: string, routers: string[], range?: [string, string]): Subnet {
  const c = parseCidr(cidr)!;
  return {
    network: formatIPv4(c.network),
    prefix: c.prefix,
    netmask: formatIPv4(maskOf(c.prefix)),
    broadcast: formatIPv4(broadcastOf(c)),
    cidr,
    routers,
    range,
  };
}

function checkSubnet(r: Reporter, s: Subnet, c: Cidr, paths: { subnet: string; routers: string; range: string }): void {
  s.routers.forEach((router, k) => {
    if (!inCidr(ip(router), c)) r.report(`${paths.routers}[${k + 1}]`, `${router} is outside ${s.cidr}`, `expected a router inside ${s.cidr}`, paths.routers);
  });
  if (!s.range) return;
  const [a, b] = s.range;
  if (!inCidr(ip(a), c) || !inCidr(ip(b), c)) r.report(paths.range, `[${a}, ${b}] is not inside ${s.cidr}`, `expected a range inside ${s.cidr}`);
  else if (ip(a) > ip(b)) r.report(paths.range, `the range starts at ${a}, after its end ${b}`, 'expected [first, last] with first <= last');
  else if ([s.network, s.broadcast].some((x) => ip(x) >= ip(a) && ip(x) <= ip(b)))
    r.report(paths.range, `[${a}, ${b}] includes the network or broadcast address of ${s.cidr}`, 'expected a range of host addresses');
}

export function checkAddresses(r: Reporter, v: SiteValues): Addressing {
  const { network, dhcp, server } = v;
  const subnets = [makeSubnet(network.subnet, network.routers, dhcp.range), ...network.extraSubnet.map((e) => makeSubnet(e.subnet, e.routers, e.range))];
  const paths = subnets.map((_, i) => {
    const at = i === 0 ? 'network.' : `network.extra_subnet[${i}].`;
    return { subnet: `${at}subnet`, routers: `${at}routers`, range: i === 0 ? 'dhcp.range' : `${at}range` };
  });
  const cidrs = subnets.map((s) => parseCidr(s.cidr)!);

  subnets.forEach((s, i) => {
    for (let j = 0; j < i; j++) {
      if (inCidr(cidrs[i].network, cidrs[j]) || inCidr(cidrs[j].network, cidrs[i]))
        r.report(paths[i].subnet, `${s.cidr} overlaps ${subnets[j].cidr} (${paths[j].subnet}, line ${r.lineOf(paths[j].subnet)})`, 'expected subnets that do not overlap');
    }
    checkSubnet(r, s, cidrs[i], paths[i]);
  });

  // each subnet's mask and network, and each dynamic range, as numbers made once: every host's
  // fixed address is looked up in them (inCidr's arithmetic, without making the mask again)
  const masks = cidrs.map((c) => maskOf(c.prefix));
  const networks = cidrs.map((c, i) => (c.network & masks[i]) >>> 0);
  const ranges = subnets.map((s) => (s.range ? [ip(s.range[0]), ip(s.range[1])] : null));
  const subnetAddresses = subnets.map((s, i) => ({ key: paths[i].subnet, cidr: s.cidr, network: s.network, broadcast: s.broadcast, routers: s.routers }));
  const net: Addressing = {
    subnets,
    rangePaths: paths.map((p) => p.range),
    addresses: subnetAddresses,
    subnetOf: (address) => {
      const n = ip(address);
      for (let i = 0; i < masks.length; i++) if (((n & masks[i]) >>> 0) === networks[i]) return i;
      return -1;
    },
    rangeOf: (address) => {
      const n = ip(address);
      for (let i = 0; i < ranges.length; i++) {
        const range = ranges[i];
        if (range !== null && n >= range[0] && n <= range[1]) return i;
      }
      return -1;
    },
  };
  for (const f of [...reservedAddressRules(server.address, subnetAddresses), ...dhcpPortRules(dhcp.mode, dhcp.port)]) r.report(f.key, f.problem, f.expected);
  if (!inCidr(ip(server.address), cidrs[0])) r.report('server.address', `${server.address} is outside the thin-client subnet ${subnets[0].cidr}`, `expected an address inside ${subnets[0].cidr}`);
  const range = net.rangeOf(server.address);
  if (range >= 0) r.report('server.address', `${server.address} lies inside the dynamic range ${net.rangePaths[range]}`, 'expected the server outside every dynamic range');
  return net;
}
