// Firewall rules for the thin-client services (firewall.enabled; off by default).
//
// What the rules say, for both backends: the thin-client subnets may reach
// TFTP (and its data ports), rpcbind, NFS, mountd (pinned by the exports
// target), syslog and XDMCP; DHCP is accepted by interface, because a client
// asking for an address has none yet; the same ports arriving on the
// thin-client interface from any other source are dropped. Nothing else is
// filtered: every other packet goes on to the admin's own rules.
//
// Where the rules live is decided by how Gentoo's services work: both
// /etc/init.d/nftables and /etc/init.d/iptables load one state file,
// /var/lib/{nftables,iptables}/rules-save, and by default write the live
// ruleset back into it when they stop (SAVE_ON_STOP). A file of our own would
// never be loaded, and a whole rules-save would clobber the admin's rules. So:
//
// - nftables: a marked block at the end of rules-save holding a table of our
//   own, `table inet ltsp_ts`. The block declares, deletes and redeclares the
//   table, so it also replaces a copy that an earlier `save` wrote (without our
//   markers) higher up in the file. nftables caveat: an accept in one table does
//   not override a drop in another, so an admin table that drops by default
//   must accept these ports itself (see notes()).
// - iptables: a chain of our own, LTSP-TS-INPUT, in the *filter table of
//   rules-save, with a jump to it first in INPUT. The edit owns exactly the
//   lines that name LTSP-TS-INPUT, written the way iptables-save prints them,
//   so a `save` by the service gives back the same lines and no drift.
//   A separate file for `iptables-restore --noflush` would need a service of
//   its own to load it: Gentoo's restores rules-save and nothing else.
import type { Site } from '../../site/types';
import { markedBlock } from '../edits';
import { generatedHeader } from '../template';
import type { Checker, FileEdit, PlannedItem, Target } from '../types';
import { clientSubnets } from '../subnets';
import { dhcpPorts, portsOf, services, whatOf, type Port } from './ports';

export const NFT_RULES = '/var/lib/nftables/rules-save';
export const IPT_RULES = '/var/lib/iptables/rules-save';
export const CHAIN = 'LTSP-TS-INPUT';

const nftChecker: Checker = { program: 'nft', args: ['-c', '-f', '{}'], label: 'nft -c -f' };
const iptChecker: Checker = { program: 'iptables-restore', args: ['--test', '{}'], label: 'iptables-restore --test' };

function nftPorts(ports: Port[]): string {
  const items = ports.map((p) => (Array.isArray(p) ? `${p[0]}-${p[1]}` : String(p)));
  return items.length === 1 ? items[0] : `{ ${items.join(', ')} }`;
}

export function renderNftables(site: Site): string {
  const list = services(site);
  const udp = portsOf(list, 'udp');
  const tcp = portsOf(list, 'tcp');
  const dhcp = dhcpPorts(site);
  const iface = site.server.interface;
  const lines = [
    generatedHeader('#', site).trimEnd(),
    '# The thin-client services, open to the thin-client subnets; nothing else is filtered here.',
    'table inet ltsp_ts',
    'delete table inet ltsp_ts',
    'table inet ltsp_ts {',
    '\tset clients {',
    '\t\ttype ipv4_addr',
    '\t\tflags interval',
    `\t\telements = { ${clientSubnets(site).map((s) => s.cidr).join(', ')} }`,
    '\t}',
    '',
    '\tchain input {',
    '\t\ttype filter hook input priority filter - 10; policy accept;',
  ];
  if (dhcp.length) lines.push(`\t\t# DHCP: a client asking for an address has none yet`, `\t\tiifname "${iface}" udp dport ${nftPorts(dhcp)} accept`);
  if (udp.length) lines.push(`\t\t# ${whatOf(list, 'udp')}`, `\t\tip saddr @clients udp dport ${nftPorts(udp)} accept`);
  if (tcp.length) lines.push(`\t\t# ${whatOf(list, 'tcp')}`, `\t\tip saddr @clients tcp dport ${nftPorts(tcp)} accept`);
  lines.push(`\t\t# the same ports from anyone else on the thin-client network`);
  if (udp.length) lines.push(`\t\tiifname "${iface}" udp dport ${nftPorts(udp)} drop`);
  if (tcp.length) lines.push(`\t\tiifname "${iface}" tcp dport ${nftPorts(tcp)} drop`);
  lines.push('\t}', '}');
  return lines.join('\n') + '\n';
}

function iptPorts(ports: Port[]): string {
  return ports.map((p) => (Array.isArray(p) ? `${p[0]}:${p[1]}` : String(p))).join(',');
}

/** one rule as iptables-save prints it */
function iptRule(opts: { source?: string; iface?: string; proto: 'udp' | 'tcp'; ports: Port[]; target: 'ACCEPT' | 'DROP' }): string {
  const parts = [`-A ${CHAIN}`];
  if (opts.source) parts.push(`-s ${opts.source}`);
  if (opts.iface) parts.push(`-i ${opts.iface}`);
  parts.push(`-p ${opts.proto}`);
  if (opts.ports.length === 1 && !Array.isArray(opts.ports[0])) parts.push(`-m ${opts.proto} --dport ${opts.ports[0]}`);
  else parts.push(`-m multiport --dports ${iptPorts(opts.ports)}`);
  parts.push(`-j ${opts.target}`);
  return parts.join(' ');
}

/** The lines of LTSP-TS-INPUT's rules, in iptables-save's form and order. */
export function iptablesRules(site: Site): string[] {
  const list = services(site);
  const iface = site.server.interface;
  const rules: string[] = [];
  const dhcp = dhcpPorts(site);
  if (dhcp.length) rules.push(iptRule({ iface, proto: 'udp', ports: dhcp, target: 'ACCEPT' }));
  for (const s of clientSubnets(site))
    for (const proto of ['udp', 'tcp'] as const) {
      const ports = portsOf(list, proto);
      if (ports.length) rules.push(iptRule({ source: s.cidr, proto, ports, target: 'ACCEPT' }));
    }
  for (const proto of ['udp', 'tcp'] as const) {
    const ports = portsOf(list, proto);
    if (ports.length) rules.push(iptRule({ iface, proto, ports, target: 'DROP' }));
  }
  return rules;
}

const DECLARATION = `:${CHAIN} - [0:0]`;
const JUMP = `-A INPUT -j ${CHAIN}`;
const COMMENT = `# ${CHAIN}: the thin-client services; its lines are generated by ltspcfg-ts from site.toml`;

function ours(line: string): boolean {
  return line === COMMENT || new RegExp(`^(:${CHAIN} |-A ${CHAIN} |-A INPUT -j ${CHAIN}$)`).test(line);
}

/** The edit of iptables' rules-save that owns only the lines naming LTSP-TS-INPUT. */
export function iptablesEdit(site: Site): FileEdit {
  const rules = iptablesRules(site);
  return {
    kind: 'edit',
    path: IPT_RULES,
    mode: 0o600,
    checker: iptChecker,
    edit(current) {
      const text = current ?? '';
      const finalNewline = text === '' || text.endsWith('\n');
      const lines = (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n').filter((l, _i, all) => !(all.length === 1 && l === '') && !ours(l));
      let start = lines.findIndex((l) => l.trim() === '*filter');
      if (start < 0) {
        if (current === null) lines.push(generatedHeader('#', site).trimEnd());
        lines.push('*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', 'COMMIT');
        start = lines.length - 5;
      }
      let end = start + 1;
      while (end < lines.length && lines[end].trim() !== 'COMMIT') end++;
      // the declaration after the table's other chain declarations
      let decl = start + 1;
      for (let i = start + 1; i < end; i++) if (lines[i].startsWith(':')) decl = i + 1;
      lines.splice(decl, 0, DECLARATION);
      end++;
      // the jump first in INPUT (where iptables-save prints INPUT's rules: before the other chains')
      let jump = lines.findIndex((l, i) => i > decl && i < end && l.startsWith('-A INPUT '));
      if (jump < 0) jump = lines.findIndex((l, i) => i > decl && i < end && l.startsWith('-A '));
      if (jump < 0) jump = end;
      lines.splice(jump, 0, JUMP);
      end++;
      // our chain's rules last in the table
      lines.splice(end, 0, COMMENT, ...rules);
      return lines.join('\n') + (finalNewline ? '\n' : '');
    },
    owned(current) {
      if (current === null) return null;
      const found = current.split('\n').filter((l) => ours(l) && l !== COMMENT);
      return found.length ? found.join('\n') + '\n' : null;
    },
  };
}

const unused = (site: Site) => (site.firewall.enabled ? undefined : 'firewall.enabled = false');

export const firewall: Target = {
  name: 'firewall',
  summary: 'the thin-client services opened to the thin-client subnets (nftables table or iptables chain of its own)',
  whyNoFile: unused,
  plan(site) {
    if (unused(site)) return [];
    const items: PlannedItem[] = [];
    if (site.firewall.backend === 'nftables') {
      const block = markedBlock({ path: NFT_RULES, content: renderNftables(site), comment: '#', mode: 0o600 });
      items.push({ ...block, checker: nftChecker });
    } else {
      items.push(iptablesEdit(site));
    }
    return items;
  },
  notes(site) {
    if (unused(site)) return [];
    const subnets = clientSubnets(site).map((s) => s.cidr).join(', ');
    const notes = [
      `on ${site.server.interface}, TFTP, NFS, rpcbind, mountd, syslog and XDMCP now answer ${subnets} only; other hosts that use them need rules of their own`,
    ];
    if (site.firewall.backend === 'nftables')
      notes.push('an accept in table inet ltsp_ts does not override a drop in another table: if your own ruleset drops by default, accept these ports there too');
    return notes;
  },
};
