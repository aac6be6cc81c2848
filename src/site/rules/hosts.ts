// Host rules: each MAC, name and fixed address on one host only, no host named
// like the server, and fixed addresses inside a subnet but outside every range.
import type { Reporter } from '../reporter';
import type { Group, Host, SiteValues } from '../types';
import type { Addressing } from './addresses';

type HostValues = SiteValues['host'][number];

const toHost = (h: HostValues, group?: string): Host => ({ ...h, group, nfsroot: h.nfsroot ?? false });

/** Grouped hosts first, in file order, then top-level [[host]] entries; with the key path of each. */
function collect(r: Reporter, v: SiteValues): { groups: Group[]; hosts: Host[]; paths: string[] } {
  const groups: Group[] = [];
  const hosts: Host[] = [];
  const paths: string[] = [];
  const groupNames = new Map<string, string>();
  v.group.forEach((g, gi) => {
    const gpath = `group[${gi + 1}]`;
    const seen = groupNames.get(g.name.toLowerCase());
    if (seen) r.report(`${gpath}.name`, `group "${g.name}" is already defined at ${seen} (line ${r.lineOf(seen)})`, 'expected each group name once');
    else groupNames.set(g.name.toLowerCase(), `${gpath}.name`);
    const members = g.host.map((h, hi) => {
      paths.push(`${gpath}.host[${hi + 1}]`);
      return toHost(h, g.name);
    });
    hosts.push(...members);
    groups.push({ name: g.name, hosts: members });
  });
  v.host.forEach((h, hi) => {
    paths.push(`host[${hi + 1}]`);
    hosts.push(toHost(h));
  });
  return { groups, hosts, paths };
}

function checkFixedAddress(r: Reporter, at: string, address: string, net: Addressing, server: string): void {
  const { subnets } = net;
  const sub = net.subnetOf(address);
  if (sub < 0) r.report(at, `${address} is outside every subnet (${subnets.map((s) => s.cidr).join(', ')})`, 'expected a fixed address inside a thin-client subnet');
  else if (address === subnets[sub].network || address === subnets[sub].broadcast) r.report(at, `${address} is the network or broadcast address of ${subnets[sub].cidr}`, 'expected a host address');
  const range = net.rangeOf(address);
  if (range >= 0) r.report(at, `${address} lies inside the dynamic range ${net.rangePaths[range]} [${subnets[range].range!.join(', ')}]`, 'expected a fixed address outside every dynamic range');
  if (address === server) r.report(at, `${address} is the server's address`, 'expected an address of its own');
}

export function checkHosts(r: Reporter, v: SiteValues, net: Addressing): { groups: Group[]; hosts: Host[] } {
  const { groups, hosts, paths } = collect(r, v);
  const firstUse = new Map<string, number>();
  const once = (i: number, key: 'mac' | 'name' | 'address', label: string, value: string) => {
    const id = `${key}:${value.toLowerCase()}`;
    const prev = firstUse.get(id);
    if (prev === undefined) {
      firstUse.set(id, i);
      return;
    }
    const prevPath = `${paths[prev]}.${key}`;
    r.report(`${paths[i]}.${key}`, `${label} ${value} of host ${hosts[i].name} is already used by host ${hosts[prev].name} (${prevPath}, line ${r.lineOf(prevPath)})`, `expected each ${label} on one host only`);
  };
  hosts.forEach((h, i) => {
    once(i, 'mac', 'MAC address', h.mac);
    once(i, 'name', 'name', h.name);
    if (h.name.toLowerCase() === v.server.hostname.toLowerCase())
      r.report(`${paths[i]}.name`, `${h.name} is the server's own name (server.hostname)`, 'expected a name the server does not use');
    if (h.address) {
      once(i, 'address', 'address', h.address);
      checkFixedAddress(r, `${paths[i]}.address`, h.address, net, v.server.address);
    }
  });
  return { groups, hosts };
}
