// Host rules: each MAC, name and fixed address on one host only, no host named
// like the server, and fixed addresses inside a subnet but outside every range.
import type { Reporter } from '../reporter';
import type { Group, Host, SiteValues } from '../types';
import type { Addressing } from './addresses';
import { hostAddressRules, reservedNameProblem, RESERVED_NAME_EXPECTED } from '../address-rules';

type HostValues = SiteValues['host'][number];

/**
 * The host with its group, nfsroot and image (set by checkImages), as `{ ...h, group, ... }` would
 * make it: Object.assign and three stores cost a tenth of that spread in V8 (1 ms against 12 at
 * 2,000 hosts), and `image` is there from the start, so that no second shape is made later.
 */
function toHost(h: HostValues, group?: string): Host {
  const host = Object.assign({}, h) as Host;
  host.group = group;
  host.nfsroot = h.nfsroot ?? false;
  host.image = h.image;
  return host;
}

/**
 * Grouped hosts first, in file order, then top-level [[host]] entries; with the key path of each,
 * made only for a message: at 100,000 hosts, strings made for every host are megabytes of garbage.
 */
function collect(r: Reporter, v: SiteValues): { groups: Group[]; hosts: Host[]; pathOf: (i: number) => string } {
  const groups: Group[] = [];
  const hosts: Host[] = [];
  // host i is entry inGroup[i] (from 0) of group[groupOf[i]], or of the top-level [[host]] array when -1
  const groupOf: number[] = [];
  const inGroup: number[] = [];
  const groupNames = new Map<string, string>();
  v.group.forEach((g, gi) => {
    const gpath = `group[${gi + 1}]`;
    const seen = groupNames.get(g.name.toLowerCase());
    if (seen) r.report(`${gpath}.name`, `group "${g.name}" is already defined at ${seen} (line ${r.lineOf(seen)})`, 'expected each group name once');
    else groupNames.set(g.name.toLowerCase(), `${gpath}.name`);
    const members = g.host.map((h, hi) => {
      groupOf.push(gi);
      inGroup.push(hi);
      return toHost(h, g.name);
    });
    for (const m of members) hosts.push(m);
    groups.push({ name: g.name, hosts: members });
  });
  v.host.forEach((h, hi) => {
    groupOf.push(-1);
    inGroup.push(hi);
    hosts.push(toHost(h));
  });
  const pathOf = (i: number) => (groupOf[i] < 0 ? `host[${inGroup[i] + 1}]` : `group[${groupOf[i] + 1}].host[${inGroup[i] + 1}]`);
  return { groups, hosts, pathOf };
}

function checkFixedAddress(r: Reporter, hostPath: () => string, address: string, net: Addressing, server: string): void {
  const { subnets } = net;
  const at = () => `${hostPath()}.address`;
  const sub = net.subnetOf(address);
  if (sub < 0) r.report(at(), `${address} is outside every subnet (${subnets.map((s) => s.cidr).join(', ')})`, 'expected a fixed address inside a thin-client subnet');
  else if (address === subnets[sub].network || address === subnets[sub].broadcast) r.report(at(), `${address} is the network or broadcast address of ${subnets[sub].cidr}`, 'expected a host address');
  const range = net.rangeOf(address);
  if (range >= 0) r.report(at(), `${address} lies inside the dynamic range ${net.rangePaths[range]} [${subnets[range].range!.join(', ')}]`, 'expected a fixed address outside every dynamic range');
  for (const f of hostAddressRules(hostPath, address, server, net.addresses)) r.report(f.key, f.problem, f.expected);
}

export function checkHosts(r: Reporter, v: SiteValues, net: Addressing): { groups: Group[]; hosts: Host[]; pathOf: (i: number) => string } {
  const reservedServer = reservedNameProblem(v.server.hostname);
  if (reservedServer) r.report('server.hostname', reservedServer, RESERVED_NAME_EXPECTED);
  const { groups, hosts, pathOf } = collect(r, v);
  // the first host of each MAC, name and address (lower case), by kind
  const firstUse = { mac: new Map<string, number>(), name: new Map<string, number>(), address: new Map<string, number>() };
  const once = (i: number, key: 'mac' | 'name' | 'address', label: string, value: string, id = value.toLowerCase()) => {
    const seen = firstUse[key];
    const prev = seen.get(id);
    if (prev === undefined) {
      seen.set(id, i);
      return;
    }
    const prevPath = `${pathOf(prev)}.${key}`;
    r.report(`${pathOf(i)}.${key}`, `${label} ${value} of host ${hosts[i].name} is already used by host ${hosts[prev].name} (${prevPath}, line ${r.lineOf(prevPath)})`, `expected each ${label} on one host only`);
  };
  const serverName = v.server.hostname.toLowerCase();
  hosts.forEach((h, i) => {
    // a MAC is in lower case already (validate.ts)
    once(i, 'mac', 'MAC address', h.mac, h.mac);
    const name = h.name.toLowerCase();
    once(i, 'name', 'name', h.name, name);
    const reserved = reservedNameProblem(h.name);
    if (reserved) r.report(`${pathOf(i)}.name`, reserved, RESERVED_NAME_EXPECTED);
    if (name === serverName)
      r.report(`${pathOf(i)}.name`, `${h.name} is the server's own name (server.hostname)`, 'expected a name the server does not use');
    if (h.address) {
      once(i, 'address', 'address', h.address);
      checkFixedAddress(r, () => pathOf(i), h.address, net, v.server.address);
    }
  });
  return { groups, hosts, pathOf };
}
