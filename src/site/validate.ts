// Validation of a parsed site.toml against the schema, then the rules that
// span keys (duplicates, subnets, ranges, dangerous paths). Every problem is
// collected, so the admin sees them all at once.
import { posix } from 'node:path';
import { positionOf, type Positions } from './locate';
import type { SiteProblem } from './errors';
import { siteSchema, type KeySpec, type StringKind, type TableSpec } from './schema';
import { broadcastOf, formatIPv4, inCidr, maskOf, parseCidr, parseIPv4 } from './ipv4';
import type { Group, Host, Site, Subnet } from './types';
import { buildImages } from './images';

type Table = Record<string, unknown>;

interface Ctx {
  file: string;
  positions: Positions;
  problems: SiteProblem[];
}

function report(ctx: Ctx, key: string, problem: string, expected: string, at = key): void {
  ctx.problems.push({ file: ctx.file, position: positionOf(ctx.positions, at), key, problem, expected });
}

// Characters that would end a value early or open a block in some target's syntax.
const UNSAFE = /["'`{}[\];\\$#<>|\x00-\x1f\x7f]/;

const CHAR_NAMES: Record<string, string> = {
  '"': 'a double quote', "'": 'a single quote', '`': 'a backquote', '{': 'a brace', '}': 'a brace', '[': 'a bracket', ']': 'a bracket',
  ';': 'a semicolon', '\\': 'a backslash', $: 'a dollar sign', '#': 'a hash sign', '<': 'an angle bracket', '>': 'an angle bracket',
  '|': 'a pipe', '\n': 'a newline', '\x00': 'a NUL byte',
};

/** Names a character in words, so that the message itself stays on one line and unambiguous. */
const describeChar = (c: string): string => CHAR_NAMES[c] ?? `control character 0x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;

const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Paths that must never become a TFTP or NFS root: the tree under it is handed to another user or exported. */
const SYSTEM_DIRS = ['/', '/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/lib32', '/lib64', '/opt', '/proc', '/root', '/run', '/sbin', '/srv', '/sys', '/tmp', '/usr', '/var', '/var/lib', '/var/tmp', '/usr/local'];
const SYSTEM_TREES = ['/bin', '/boot', '/dev', '/etc', '/lib', '/lib32', '/lib64', '/proc', '/root', '/sbin', '/sys', '/usr/bin', '/usr/lib', '/usr/sbin'];

export function dangerousRoot(path: string): string | null {
  if (SYSTEM_DIRS.includes(path)) return `${path} is a system directory`;
  const tree = SYSTEM_TREES.find((t) => path.startsWith(t + '/'));
  return tree ? `${path} lies inside the system directory ${tree}` : null;
}

/** Checks one string of a given kind; returns the normalised value or an error pair. */
export function checkString(kind: StringKind, value: string): { value: string } | { problem: string; expected: string } {
  const unsafe = UNSAFE.exec(value);
  if (unsafe && kind !== 'text') {
    // every kind but free text has a strict alphabet below; name the offending character first
    return { problem: `${describeChar(unsafe[0])} is not allowed`, expected: expectedFor(kind) };
  }
  const bad = (problem: string) => ({ problem, expected: expectedFor(kind) });
  switch (kind) {
    case 'ipv4': {
      const n = parseIPv4(value);
      return n === null ? bad(`"${value}" is not an IPv4 address`) : { value: formatIPv4(n) };
    }
    case 'cidr': {
      const c = parseCidr(value);
      if (!c) return bad(`"${value}" is not a subnet`);
      if (c.prefix < 8 || c.prefix > 30) return bad(`prefix /${c.prefix} is out of range`);
      const net = (c.network & maskOf(c.prefix)) >>> 0;
      if (net !== c.network) return bad(`"${value}" has host bits set (the network is ${formatIPv4(net)}/${c.prefix})`);
      return { value: `${formatIPv4(net)}/${c.prefix}` };
    }
    case 'mac': {
      const m = /^([0-9A-Fa-f]{2})([:-])([0-9A-Fa-f]{2})\2([0-9A-Fa-f]{2})\2([0-9A-Fa-f]{2})\2([0-9A-Fa-f]{2})\2([0-9A-Fa-f]{2})$/.exec(value);
      if (!m) return bad(`"${value}" is not a MAC address`);
      const octets = [m[1], m[3], m[4], m[5], m[6], m[7]].map((o) => o.toLowerCase());
      if (octets.every((o) => o === '00') || octets.every((o) => o === 'ff')) return bad(`"${value}" is not a usable MAC address`);
      if (parseInt(octets[0], 16) & 1) return bad(`"${value}" is a multicast address`);
      return { value: octets.join(':') };
    }
    case 'label':
      return LABEL.test(value) ? { value } : bad(`"${value}" is not a valid host name`);
    case 'hostname':
    case 'domain': {
      const ok = value.length <= 253 && value.split('.').every((l) => LABEL.test(l));
      return ok ? { value: value.toLowerCase() } : bad(`"${value}" is not a valid ${kind === 'domain' ? 'domain' : 'host'} name`);
    }
    case 'path':
    case 'boot-path': {
      let p = value;
      if (kind === 'boot-path' && !p.startsWith('/')) p = '/' + p;
      if (!p.startsWith('/')) return bad(`"${value}" is a relative path`);
      if (!/^[A-Za-z0-9._/+@=,-]+$/.test(p)) return bad(`"${value}" contains characters that are not safe in every config file`);
      if (p.split('/').includes('..')) return bad(`"${value}" contains ".."`);
      p = posix.normalize(p);
      if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
      if (kind === 'boot-path' && p === '/') return bad(`"${value}" names the TFTP root itself`);
      return { value: p };
    }
    case 'word':
      return /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/.test(value) ? { value } : bad(`"${value}" is not a plain name`);
    case 'mount-options':
      return /^[A-Za-z0-9_.=:-]+(,[A-Za-z0-9_.=:-]+)*$/.test(value) ? { value } : bad(`"${value}" is not a list of mount options`);
    case 'kernel-args':
      return /^([A-Za-z0-9_.,:=/+@-]+( [A-Za-z0-9_.,:=/+@-]+)*)?$/.test(value)
        ? { value }
        : bad(`"${value}" is not a list of kernel parameters`);
    case 'text': {
      if (unsafe) return bad(`${describeChar(unsafe[0])} is not allowed`);
      if (value.trim() !== value || value === '') return bad(`"${value}" is empty or has spaces at either end`);
      return { value };
    }
    case 'hex':
      return /^0x[0-9A-Fa-f]{1,8}$/.test(value) ? { value: value.toLowerCase() } : bad(`"${value}" is not a hexadecimal number`);
    case 'serial':
      return /^ttyS[0-9]{1,2}(,[0-9]{3,7}(n8)?)?$/.test(value) ? { value } : bad(`"${value}" is not a serial console`);
    case 'port':
      return bad('a string is not a port');
  }
}

function expectedFor(kind: StringKind): string {
  switch (kind) {
    case 'ipv4': return 'expected an IPv4 address like 192.168.0.254';
    case 'cidr': return 'expected a subnet like 192.168.0.0/24 (prefix /8 to /30)';
    case 'mac': return 'expected a unicast MAC address like 00:60:08:5c:cb:be';
    case 'label': return 'expected letters, digits and inner hyphens, at most 63 characters';
    case 'hostname': return 'expected a host name like ws101 or ws101.example.org';
    case 'domain': return 'expected a domain name like ltsp.example.org';
    case 'path': return 'expected an absolute path of letters, digits and . _ - + @ = ,';
    case 'boot-path': return 'expected a path inside the TFTP root like /pxelinux.0';
    case 'word': return 'expected letters, digits, dot, underscore and hyphen';
    case 'mount-options': return 'expected comma-separated options like nolock,ro,wsize=2048';
    case 'kernel-args': return 'expected space-separated parameters like quiet vga=791';
    case 'text': return 'expected printable text without quotes, braces, brackets, semicolons, backslashes, $ or #';
    case 'hex': return 'expected a hexadecimal number like 0x300';
    case 'serial': return 'expected a serial console like ttyS0,115200';
    case 'port': return 'expected a port number from 1 to 65535';
  }
}

function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a date';
  if (v === null) return 'nothing';
  if (typeof v === 'object') return 'a table';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a float';
  return `a ${typeof v}`;
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

export function nearest(name: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** Checks one value against its spec; returns the normalised value, or undefined after reporting. */
function checkValue(ctx: Ctx, path: string, spec: KeySpec, value: unknown): unknown {
  const fail = (problem: string, expected: string) => {
    report(ctx, path, problem, expected);
    return undefined;
  };
  switch (spec.type) {
    case 'boolean':
      return typeof value === 'boolean' ? value : fail(`${typeName(value)} is not a boolean`, 'expected true or false');
    case 'integer': {
      if (typeof value !== 'number' || !Number.isInteger(value)) return fail(`${typeName(value)} is not an integer`, `expected a whole number from ${spec.min} to ${spec.max}`);
      if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max))
        return fail(`${value} is out of range`, `expected a whole number from ${spec.min} to ${spec.max}`);
      return value;
    }
    case 'enum':
      return typeof value === 'string' && spec.values!.includes(value)
        ? value
        : fail(`${typeof value === 'string' ? `"${value}"` : typeName(value)} is not a valid choice`, `expected one of ${spec.values!.join(', ')}`);
    case 'string': {
      if (typeof value !== 'string') return fail(`${typeName(value)} is not a string`, `expected a quoted string: ${expectedFor(spec.of!).replace(/^expected /, '')}`);
      const r = checkString(spec.of!, value);
      return 'value' in r ? r.value : fail(r.problem, r.expected);
    }
    case 'array': {
      if (!Array.isArray(value)) return fail(`${typeName(value)} is not an array`, `expected an array like [${spec.of === 'port' ? '1, 2' : '"…"'}]`);
      if (spec.length !== undefined && value.length !== spec.length) return fail(`the array has ${value.length} item(s)`, `expected exactly ${spec.length}`);
      const out: unknown[] = [];
      value.forEach((item, i) => {
        const itemPath = `${path}[${i + 1}]`;
        if (spec.of === 'port') {
          const v = checkValue(ctx, itemPath, { type: 'integer', min: 1, max: 65535, doc: '' }, item);
          if (v !== undefined) out.push(v);
          return;
        }
        if (typeof item !== 'string') {
          report(ctx, itemPath, `${typeName(item)} is not a string`, expectedFor(spec.of!), path);
          return;
        }
        const r = checkString(spec.of!, item);
        if ('value' in r) out.push(r.value);
        else report(ctx, itemPath, r.problem, r.expected, path);
      });
      return out.length === value.length ? out : undefined;
    }
  }
}

/**
 * Walks a table against its spec: reports unknown keys (with the nearest known one),
 * wrong types and missing required keys, and returns the table with defaults applied.
 */
function checkTable(ctx: Ctx, path: string, spec: TableSpec, raw: unknown): Table {
  const out: Table = {};
  if (raw !== undefined && (typeof raw !== 'object' || raw === null || Array.isArray(raw) || raw instanceof Date)) {
    report(ctx, path, `${typeName(raw)} is not a table`, `expected a [${path}] table`);
    raw = {};
  }
  const table = (raw ?? {}) as Table;
  const known = () => [...Object.keys(spec.keys), ...Object.keys(spec.tables ?? {}), ...Object.keys(spec.arrays ?? {})];
  const join = (k: string) => (path ? `${path}.${k}` : k);

  for (const [k, v] of Object.entries(table)) {
    const at = join(k);
    if (spec.keys[k]) {
      const val = checkValue(ctx, at, spec.keys[k], v);
      if (val !== undefined) out[k] = val;
    } else if (spec.tables?.[k]) {
      out[k] = checkTable(ctx, at, spec.tables[k], v);
    } else if (spec.arrays?.[k]) {
      if (!Array.isArray(v)) {
        report(ctx, at, `${typeName(v)} is not an array of tables`, `expected [[${at}]] entries`);
        continue;
      }
      out[k] = v.map((item, i) => checkTable(ctx, `${at}[${i + 1}]`, spec.arrays![k], item));
    } else if (spec.anyTable && typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date)) {
      out[k] = checkTable(ctx, at, spec.anyTable, v);
    } else if (spec.anyKey) {
      out[k] = v; // free-form keys (lts.conf) are checked by their owner below
    } else {
      const keys = known();
      const guess = nearest(k, keys);
      report(ctx, at, 'unknown key', guess ? `did you mean "${guess}"? valid keys: ${keys.join(', ')}` : `valid keys here: ${keys.join(', ') || '(none)'}`);
    }
  }
  for (const [k, keySpec] of Object.entries(spec.keys)) {
    if (k in table) continue;
    if (keySpec.required) report(ctx, join(k), 'missing', `expected ${keySpec.doc}`, path);
    else if (keySpec.default !== undefined) out[k] = keySpec.default;
  }
  for (const k of Object.keys(spec.tables ?? {})) if (!(k in out)) out[k] = checkTable(ctx, join(k), spec.tables![k], undefined);
  for (const k of Object.keys(spec.arrays ?? {})) if (!(k in out)) out[k] = [];
  return out;
}

/** Schema check and defaults: the result is what `get` answers from. */
export function checkAgainstSchema(ctx: Ctx, parsed: Table): Table {
  return checkTable(ctx, '', siteSchema, parsed);
}

function makeSubnet(cidr: string, routers: string[], range?: string[]): Subnet {
  const c = parseCidr(cidr)!;
  return {
    network: formatIPv4(c.network),
    prefix: c.prefix,
    netmask: formatIPv4(maskOf(c.prefix)),
    broadcast: formatIPv4(broadcastOf(c)),
    cidr,
    routers,
    range: range ? [range[0], range[1]] : undefined,
  };
}

/** Rules across keys, then the typed Site. Call only when the schema check found nothing. */
export function buildSite(ctx: Ctx, t: Table, source: Site['source']): Site {
  const server = t.server as Table;
  const network = t.network as Table;
  const dhcp = t.dhcp as Table;
  const boot = t.boot as Table;
  const tftp = t.tftp as Table;
  const nfs = t.nfs as Table;
  const syslog = t.syslog as Table;
  const xdmcp = t.xdmcp as Table;
  const firewall = t.firewall as Table;
  const ip = (s: string) => parseIPv4(s)!;

  // subnets: the main one, then the extra ones on the same wire
  const subnets: Subnet[] = [makeSubnet(network.subnet as string, network.routers as string[], dhcp.range as string[] | undefined)];
  const subnetPaths = ['network.subnet'];
  const rangePaths = ['dhcp.range'];
  (network.extra_subnet as Table[]).forEach((e, i) => {
    subnets.push(makeSubnet(e.subnet as string, e.routers as string[], e.range as string[] | undefined));
    subnetPaths.push(`network.extra_subnet[${i + 1}].subnet`);
    rangePaths.push(`network.extra_subnet[${i + 1}].range`);
  });
  const cidrs = subnets.map((s) => parseCidr(s.cidr)!);
  const subnetOf = (addr: string) => cidrs.findIndex((c) => inCidr(ip(addr), c));

  subnets.forEach((s, i) => {
    for (let j = 0; j < i; j++) {
      if (inCidr(cidrs[i].network, cidrs[j]) || inCidr(cidrs[j].network, cidrs[i]))
        report(ctx, subnetPaths[i], `${s.cidr} overlaps ${subnets[j].cidr} (${subnetPaths[j]}, line ${positionOf(ctx.positions, subnetPaths[j]).line})`, 'expected subnets that do not overlap');
    }
    s.routers.forEach((r, k) => {
      if (!inCidr(ip(r), cidrs[i])) report(ctx, `${subnetPaths[i].replace(/subnet$/, 'routers')}[${k + 1}]`, `${r} is outside ${s.cidr}`, `expected a router inside ${s.cidr}`, subnetPaths[i].replace(/subnet$/, 'routers'));
    });
    if (s.range) {
      const [a, b] = s.range;
      const where = rangePaths[i];
      if (!inCidr(ip(a), cidrs[i]) || !inCidr(ip(b), cidrs[i])) report(ctx, where, `[${a}, ${b}] is not inside ${s.cidr}`, `expected a range inside ${s.cidr}`);
      else if (ip(a) > ip(b)) report(ctx, where, `the range starts at ${a}, after its end ${b}`, 'expected [first, last] with first <= last');
      else if ([s.network, s.broadcast].some((x) => ip(x) >= ip(a) && ip(x) <= ip(b)))
        report(ctx, where, `[${a}, ${b}] includes the network or broadcast address of ${s.cidr}`, 'expected a range of host addresses');
    }
  });

  const serverAddress = server.address as string;
  if (!inCidr(ip(serverAddress), cidrs[0])) report(ctx, 'server.address', `${serverAddress} is outside the thin-client subnet ${subnets[0].cidr}`, `expected an address inside ${subnets[0].cidr}`);
  const inRange = (addr: string) => subnets.findIndex((s) => s.range && ip(addr) >= ip(s.range[0]) && ip(addr) <= ip(s.range[1]));
  if (inRange(serverAddress) >= 0) report(ctx, 'server.address', `${serverAddress} lies inside the dynamic range ${rangePaths[inRange(serverAddress)]}`, 'expected the server outside every dynamic range');

  // hosts: grouped first, then top-level [[host]]
  const hosts: Host[] = [];
  const hostPaths: string[] = [];
  const groups: Group[] = [];
  const toHost = (h: Table, group?: string): Host => ({
    name: h.name as string,
    mac: h.mac as string,
    group,
    address: h.address as string | undefined,
    dhcpPort: h.dhcp_port as number | undefined,
    nic: h.nic as string | undefined,
    io: h.io as string | undefined,
    mountOptions: h.mount_options as string | undefined,
    nfsroot: (h.nfsroot as boolean | undefined) ?? false,
    filename: h.filename as string | undefined,
    kernelAppend: h.kernel_append as string | undefined,
  });
  const groupNames = new Map<string, string>();
  (t.group as Table[]).forEach((g, gi) => {
    const gpath = `group[${gi + 1}]`;
    const name = g.name as string;
    const seen = groupNames.get(name.toLowerCase());
    if (seen) report(ctx, `${gpath}.name`, `group "${name}" is already defined at ${seen} (line ${positionOf(ctx.positions, seen).line})`, 'expected each group name once');
    else groupNames.set(name.toLowerCase(), `${gpath}.name`);
    const members = (g.host as Table[]).map((h, hi) => {
      hostPaths.push(`${gpath}.host[${hi + 1}]`);
      return toHost(h, name);
    });
    hosts.push(...members);
    groups.push({ name, hosts: members });
  });
  (t.host as Table[]).forEach((h, hi) => {
    hostPaths.push(`host[${hi + 1}]`);
    hosts.push(toHost(h));
  });

  const firstUse = new Map<string, number>();
  const once = (kind: string, value: string, i: number, key: string, label: string) => {
    const id = `${kind}:${value.toLowerCase()}`;
    const prev = firstUse.get(id);
    if (prev === undefined) {
      firstUse.set(id, i);
      return;
    }
    const prevPath = `${hostPaths[prev]}.${key}`;
    report(ctx, `${hostPaths[i]}.${key}`, `${label} ${value} of host ${hosts[i].name} is already used by host ${hosts[prev].name} (${prevPath}, line ${positionOf(ctx.positions, prevPath).line})`, `expected each ${label} on one host only`);
  };
  hosts.forEach((h, i) => {
    once('mac', h.mac, i, 'mac', 'MAC address');
    once('name', h.name, i, 'name', 'name');
    if (h.name.toLowerCase() === (server.hostname as string).toLowerCase())
      report(ctx, `${hostPaths[i]}.name`, `${h.name} is the server's own name (server.hostname)`, 'expected a name the server does not use');
    if (h.address) {
      once('address', h.address, i, 'address', 'address');
      const at = `${hostPaths[i]}.address`;
      const sub = subnetOf(h.address);
      if (sub < 0) report(ctx, at, `${h.address} is outside every subnet (${subnets.map((s) => s.cidr).join(', ')})`, 'expected a fixed address inside a thin-client subnet');
      else if (h.address === subnets[sub].network || h.address === subnets[sub].broadcast) report(ctx, at, `${h.address} is the network or broadcast address of ${subnets[sub].cidr}`, 'expected a host address');
      const r = inRange(h.address);
      if (r >= 0) report(ctx, at, `${h.address} lies inside the dynamic range ${rangePaths[r]} [${subnets[r].range!.join(', ')}]`, 'expected a fixed address outside every dynamic range');
      if (h.address === serverAddress) report(ctx, at, `${h.address} is the server's address`, 'expected an address of its own');
    }
  });

  // paths: a TFTP root is handed to an unprivileged user and an NFS root is exported
  const tftpRoot = tftp.root as string;
  const nfsRoot = nfs.root as string;
  for (const [key, value] of [['tftp.root', tftpRoot], ['nfs.root', nfsRoot], ['nfs.swapfiles', nfs.swapfiles as string]] as const) {
    const danger = dangerousRoot(value);
    if (danger) report(ctx, key, danger, 'expected a directory of its own, like /tftpboot or /opt/ltsp/i386');
  }
  const inside = (a: string, b: string) => a === b || a.startsWith(b + '/');
  if (inside(nfsRoot, tftpRoot) || inside(tftpRoot, nfsRoot))
    report(ctx, 'nfs.root', `${nfsRoot} overlaps tftp.root ${tftpRoot}, whose whole tree is given to ${tftp.user as string}`, 'expected the NFS root and the TFTP root apart');

  if ((dhcp.default_lease_time as number) > (dhcp.max_lease_time as number))
    report(ctx, 'dhcp.default_lease_time', `${dhcp.default_lease_time} is longer than dhcp.max_lease_time ${dhcp.max_lease_time}`, 'expected default_lease_time <= max_lease_time');
  const dataPorts = tftp.data_ports as [number, number] | undefined;
  if (dataPorts && dataPorts[0] > dataPorts[1]) report(ctx, 'tftp.data_ports', `[${dataPorts.join(', ')}] starts after it ends`, 'expected [first, last] with first <= last');

  // lts.conf: section names are Default, a host name, a MAC or an address; keys are UPPER_CASE
  const lts: Site['lts'] = [];
  for (const [section, entries] of Object.entries(t.lts as Table)) {
    const spath = `lts.${section}`;
    const known = section === 'Default' || hosts.some((h) => h.name === section) || 'value' in checkString('mac', section) || parseIPv4(section) !== null;
    if (!known) {
      report(ctx, spath, `[lts.${section}] names no known client`, `expected Default, a host name (${hosts.slice(0, 3).map((h) => h.name).join(', ') || 'none defined'}), a MAC or an IPv4 address`);
      continue;
    }
    const out: [string, string][] = [];
    for (const [k, v] of Object.entries(entries as Table)) {
      const at = `${spath}.${k}`;
      if (!/^[A-Z][A-Z0-9_]{0,63}$/.test(k)) {
        report(ctx, at, `"${k}" is not an lts.conf key`, 'expected an UPPER_CASE key like XF86CONFIG_FILE');
        continue;
      }
      if (typeof v === 'boolean') out.push([k, v ? 'Y' : 'N']);
      else if (typeof v === 'number' && Number.isInteger(v)) out.push([k, String(v)]);
      else if (typeof v === 'string') {
        const r = checkString('text', v);
        if ('value' in r) out.push([k, r.value]);
        else report(ctx, at, r.problem, r.expected);
      } else report(ctx, at, `${typeName(v)} is not an lts.conf value`, 'expected a string, an integer or true/false');
    }
    lts.push({ name: section, entries: out });
  }
  lts.sort((a, b) => (a.name === 'Default' ? -1 : b.name === 'Default' ? 1 : 0));
  const imaging = buildImages(t, hosts, (key, problem, expected) => report(ctx, key, problem, expected), dangerousRoot);

  return {
    source,
    server: { address: serverAddress, interface: server.interface as string, hostname: server.hostname as string },
    network: {
      subnets,
      dns: network.dns as string[],
      domain: network.domain as string | undefined,
      ntp: network.ntp as string[],
      logServers: (network.log_servers as string[] | undefined) ?? [serverAddress],
    },
    dhcp: {
      mode: dhcp.mode as Site['dhcp']['mode'],
      port: dhcp.port as number,
      bootUnknownClients: dhcp.boot_unknown_clients as boolean,
      defaultLeaseTime: dhcp.default_lease_time as number,
      maxLeaseTime: dhcp.max_lease_time as number,
      dnsmasqDns: dhcp.dnsmasq_dns as boolean,
    },
    boot: {
      pxeFilename: boot.pxe_filename as string,
      etherbootFile: boot.etherboot_file as string,
      kernel: boot.kernel as string,
      initrd: boot.initrd as string | undefined,
      kernelAppend: boot.kernel_append as string,
      serialConsole: boot.serial_console as string | undefined,
      menuLabel: boot.menu_label as string,
      timeout: boot.timeout as number,
    },
    tftp: {
      root: tftpRoot,
      user: tftp.user as string,
      group: tftp.group as string,
      address: (tftp.address as string | undefined) ?? serverAddress,
      port: tftp.port as number,
      launcher: tftp.launcher as Site['tftp']['launcher'],
      blocksize: tftp.blocksize as number,
      dataPorts,
      verbose: tftp.verbose as boolean,
    },
    nfs: { root: nfsRoot, swapfiles: nfs.swapfiles as string, mountdPort: nfs.mountd_port as number },
    lts,
    syslog: {
      daemon: syslog.daemon as Site['syslog']['daemon'],
      udpPort: syslog.udp_port as number,
      tcpPort: syslog.tcp_port as number,
      logDir: syslog.log_dir as string,
    },
    xdmcp: { enabled: xdmcp.enabled as boolean, displayManager: xdmcp.display_manager as Site['xdmcp']['displayManager'], port: xdmcp.port as number },
    firewall: { enabled: firewall.enabled as boolean, backend: firewall.backend as Site['firewall']['backend'] },
    ...imaging,
    groups,
    hosts,
  };
}
