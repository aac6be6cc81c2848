// Addresses and names that are valid syntax but wrong for the site: a
// network's own network or broadcast address given to a machine, one address
// given to two roles, a second dhcpd on the network DHCP server's ports, and
// host names the system itself relies on.
import type { Finding } from './path-rules';

export interface SubnetAddresses {
  /** key of the subnet, e.g. network.subnet */
  key: string;
  cidr: string;
  network: string;
  broadcast: string;
  routers: string[];
}

/** The server's address and every router: none may be a subnet's network or broadcast address. */
export function reservedAddressRules(serverAddress: string, subnets: SubnetAddresses[]): Finding[] {
  const found: Finding[] = [];
  const clash = (addr: string) => subnets.find((s) => addr === s.network || addr === s.broadcast);
  const s = clash(serverAddress);
  if (s) found.push({ key: 'server.address', problem: `${serverAddress} is the ${serverAddress === s.network ? 'network' : 'broadcast'} address of ${s.cidr}`, expected: 'expected a host address for the server' });
  for (const sub of subnets) {
    sub.routers.forEach((r, i) => {
      const key = `${sub.key.replace(/subnet$/, 'routers')}[${i + 1}]`;
      if (r === sub.network || r === sub.broadcast) found.push({ key, problem: `${r} is the ${r === sub.network ? 'network' : 'broadcast'} address of ${sub.cidr}`, expected: 'expected a router with a host address' });
    });
  }
  return found;
}

/** A host's fixed address may be neither a router's nor the server's. `hostKey` is asked only for a finding. */
export function hostAddressRules(hostKey: () => string, address: string, serverAddress: string, subnets: SubnetAddresses[]): Finding[] {
  const found: Finding[] = [];
  if (address === serverAddress) found.push({ key: `${hostKey()}.address`, problem: `${address} is the server's address`, expected: 'expected an address of its own' });
  for (const s of subnets) {
    const i = s.routers.indexOf(address);
    if (i >= 0) found.push({ key: `${hostKey()}.address`, problem: `${address} is a router's address (${s.key.replace(/subnet$/, 'routers')}[${i + 1}])`, expected: 'expected an address of its own' });
  }
  return found;
}

/** DHCP's own ports: a second dhcpd listens on dhcp.port and replies on the port above it. */
const DHCP_PORTS = [67, 68];

export function dhcpPortRules(mode: string, port: number): Finding[] {
  if (mode !== 'port-1067' && mode !== 'nfsroot') return [];
  if (!DHCP_PORTS.includes(port) && !DHCP_PORTS.includes(port + 1)) return [];
  return [
    {
      key: 'dhcp.port',
      problem: `port ${port} (replies on ${port + 1}) would fight the network's DHCP server on ports 67 and 68 (dhcp.mode = ${mode})`,
      expected: 'expected an alternate port like 1067 (its clients are Etherboot ROMs built for 1067/1068)',
    },
  ];
}

/**
 * Names the system relies on, in /etc/hosts and elsewhere: a client or the
 * server called one of these would take it over (192.0.2.11 localhost).
 */
const RESERVED_NAMES = new Set(['localhost', 'localhost.localdomain', 'localdomain', 'broadcasthost', 'ip6-localhost', 'ip6-loopback', 'ip6-localnet', 'ip6-mcastprefix', 'ip6-allnodes', 'ip6-allrouters', 'ip6-allhosts']);

/**
 * The IPv4 address a one-label name stands for to the resolver, which reads it with inet_aton
 * before it looks in /etc/hosts: one number, decimal, octal (a leading 0) or hexadecimal (0x),
 * up to 2^32 - 1 (101 is 0.0.0.101, 010 is 0.0.0.8, 0x10 is 0.0.0.16). Null for a name.
 */
export function addressOfName(name: string): string | null {
  const m = /^(?:0x([0-9a-f]+)|(0[0-7]*)|([1-9][0-9]*))$/i.exec(name);
  if (!m) return null;
  const n = m[1] !== undefined ? BigInt(`0x${m[1]}`) : m[2] !== undefined ? BigInt(`0o${m[2].slice(1) || '0'}`) : BigInt(m[3]);
  if (n > 0xffffffffn) return null;
  return [24n, 16n, 8n, 0n].map((shift) => String((n >> shift) & 0xffn)).join('.');
}

export function reservedNameProblem(name: string): string | null {
  const n = name.toLowerCase();
  if (RESERVED_NAMES.has(n) || n.startsWith('localhost.')) return `"${name}" is a name the system reserves (/etc/hosts)`;
  const address = addressOfName(n);
  if (address !== null) return `"${name}" is the address ${address} to the resolver, which never looks it up in /etc/hosts`;
  return null;
}
export const RESERVED_NAME_EXPECTED = 'expected a name of its own: not localhost, an ip6- name or a number (101, 0x10), like ws101';
