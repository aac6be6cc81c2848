// ISC dhcpd's configuration for the three modes where ltsp-ts runs a dhcpd:
//   primary    /etc/dhcp/dhcpd.conf       Gentoo's own dhcpd service, the only DHCP server
//   port-1067  /etc/dhcp/dhcpd.1067.conf  the dhcpd.1067 service beside another DHCP server,
//   nfsroot    /etc/dhcp/dhcpd.1067.conf  answering the listed thin clients only
// It keeps the shape of the Gentoo wiki's sample: global defaults, options 128
// and 129 declared by code, a PXEClient / Etherboot branch on the vendor class,
// one shared-network holding every subnet, groups, hosts by MAC.
//
// Who gets what:
// - boot information (next-server, filename, root-path) goes to the machines
//   listed in site.toml only, unless dhcp.boot_unknown_clients is true;
// - in primary mode other machines still get an address from dhcp.range (this
//   is the only DHCP server), just nothing to boot;
// - in port-1067 and nfsroot modes machines that are not listed get nothing at
//   all (`boot-unknown-clients false`, `deny unknown-clients` in every pool),
//   so the second server never hands addresses to the rest of the network.
// Option 129 is built from a host's structured fields only (DPORT= NIC= IO=
// MOPTS= nfsroot=); every string printed here passed the site validation.
//
// dhcp.mode = "none" writes nothing: notes() prints what to set on the
// existing DHCP server instead. "proxy" is the dnsmasq target's.
import type { Host, Site } from '../../site/types';
import { generatedHeader, render } from '../template';
import type { Checker, PlannedItem, Target } from '../types';
import { UEFI_ARCH_CODES } from '../boot-loaders';
import { firstStage, ipxeScriptFilename, nfsRootSpec, option129 } from '../../site/boot-line';
import template from './dhcpd.conf.hbs';

export const DHCPD_CONF = '/etc/dhcp/dhcpd.conf';
const DHCPD_1067_CONF = '/etc/dhcp/dhcpd.1067.conf';
/** Etherboot's magic value in option 128: the ROM reads options 128 and up only when it is there. */
const ETHERBOOT_MAGIC = 'e4:45:74:68:00:00';

/**
 * `dhcpd -t` only parses the file: it reads the config (and /etc/services), writes
 * no lease or pid file and needs no interface, so it is safe on a live server.
 * Not -q: that also silences the parse errors.
 */
export const dhcpdChecker: Checker = { program: 'dhcpd', args: ['-t', '-4', '-cf', '{}'], label: 'dhcpd -t' };

/** The file this site's dhcpd reads, or null when ltsp-ts runs no dhcpd. */
function dhcpdConfPath(site: Site): string | null {
  switch (site.dhcp.mode) {
    case 'primary':
      return DHCPD_CONF;
    case 'port-1067':
    case 'nfsroot':
      return DHCPD_1067_CONF;
    default:
      return null;
  }
}


/** A group name dhcpd reads as a name: all digits would lex as a number, so those are quoted. */
function groupName(name: string): string {
  return /^[0-9]+$/.test(name) ? `"${name}"` : name;
}

function hostView(site: Site, h: Host) {
  return {
    name: h.name,
    mac: h.mac,
    address: h.address ?? false,
    filename: h.filename ?? false,
    option129: option129(site, h) || false,
  };
}

const ABOUT: Record<string, string[]> = {
  primary: [
    'dhcp.mode = "primary": the only DHCP server on this network, run by',
    "Gentoo's dhcpd service (rc-service dhcpd start).",
  ],
  'port-1067': [
    'dhcp.mode = "port-1067": a second dhcpd beside the network\'s own DHCP server,',
    'run by the dhcpd.1067 service on port {{port}} (it replies on port {{reply}}), for',
    'Etherboot ROMs built with ALTERNATE_DHCP_PORTS_1067_1068.',
  ],
  nfsroot: [
    'dhcp.mode = "nfsroot": a second dhcpd beside the network\'s own DHCP server,',
    'run by the dhcpd.1067 service on port {{port}} (it replies on port {{reply}}); every',
    'host gets nfsroot= in option 129, so its kernel finds its root whichever',
    'DHCP server answers the kernel\'s own request.',
  ],
};

/**
 * The statements that choose the boot file, by who asks: a client already
 * running iPXE (user class "iPXE") gets the iPXE script (boot.loader = "ipxe");
 * a PXE ROM gets the loader of its architecture (option 93); an Etherboot ROM
 * its kernel. An architecture the site does not boot gets no boot file.
 */
function bootBranch(site: Site): string[] {
  const pxe = 'substring (option vendor-class-identifier, 0, 9) = "PXEClient"';
  const uefi = UEFI_ARCH_CODES.map((c) => `option pxe-system-type = 00:${c.toString(16).padStart(2, '0')}`).join(' or ');
  const lines: string[] = [];
  let keyword = 'if';
  if (site.boot.loader === 'ipxe') {
    lines.push('# iPXE, loaded by a ROM or built into it: the script, never the loader again');
    lines.push('if exists user-class and option user-class = "iPXE" {', `  filename "${ipxeScriptFilename(site)}";`);
    keyword = '} elsif';
  }
  lines.push(`${keyword} ${pxe} {`, '  # PXE ROMs: the loader built for their architecture (option 93)');
  lines.push('  if not exists pxe-system-type or option pxe-system-type = 00:00 {', `    filename "${firstStage(site, 'bios')}";`);
  if (site.boot.uefi) lines.push(`  } elsif ${uefi} {`, `    filename "${firstStage(site, 'uefi')}";`);
  lines.push('  }');
  lines.push('} elsif substring (option vendor-class-identifier, 0, 9) = "Etherboot" {', '  # Etherboot ROMs: the kernel itself');
  lines.push(`  filename "${site.boot.etherbootFile}";`, `  option option-128 ${ETHERBOOT_MAGIC};`, '}');
  return lines;
}

/** The whole dhcpd.conf for a site whose mode runs a dhcpd. */
export function renderDhcpdConf(site: Site): string {
  const path = dhcpdConfPath(site);
  if (!path) throw new Error(`dhcp.mode "${site.dhcp.mode}" runs no dhcpd`);
  const primary = site.dhcp.mode === 'primary';
  const bootUnknown = site.dhcp.bootUnknownClients;
  const about = ABOUT[site.dhcp.mode].map((l) => l.replace('{{port}}', String(site.dhcp.port)).replace('{{reply}}', String(site.dhcp.port + 1)));
  return render(template, {
    header: generatedHeader('#', site).trimEnd(),
    about,
    path,
    authoritative: primary,
    defaultLeaseTime: site.dhcp.defaultLeaseTime,
    maxLeaseTime: site.dhcp.maxLeaseTime,
    // beside another server, machines that are not listed must get nothing from this one
    refuseUnknown: !primary && !bootUnknown,
    dns: site.network.dns.join(', ') || false,
    logServers: site.network.logServers.join(', ') || false,
    ntp: site.network.ntp.join(', ') || false,
    sharedNetwork: 'LTSPCLIENTS',
    domain: site.network.domain ?? false,
    bootUnknown,
    nextServer: site.tftp.address,
    rootPath: nfsRootSpec(site),
    bootBranch: bootBranch(site),
    subnets: site.network.subnets.map((s) => ({
      network: s.network,
      netmask: s.netmask,
      broadcast: s.broadcast,
      routers: s.routers.join(', ') || false,
      range: s.range ? s.range.join(' ') : false,
      denyUnknown: !primary && !bootUnknown,
    })),
    groups: site.groups.filter((g) => g.hosts.length > 0).map((g) => ({ name: groupName(g.name), hosts: g.hosts.map((h) => hostView(site, h)) })),
    ungrouped: site.hosts.filter((h) => h.group === undefined).map((h) => hostView(site, h)),
  });
}

/** What the admin must set on a DHCP server ltsp-ts does not run (dhcp.mode = "none"). */
function manualSettings(site: Site): string[] {
  const subnets = site.network.subnets.map((s) => s.cidr).join(', ');
  const notes = [
    `dhcp.mode is "none": ltsp-ts writes no DHCP configuration; set the following on the DHCP server that serves ${subnets}`,
    `next-server (option 66, TFTP server): ${site.tftp.address}`,
    `filename (option 67) for vendor class PXEClient (PXE ROMs) with option 93 = 0 (BIOS) or none: ${firstStage(site, 'bios')}`,
    ...(site.boot.uefi ? [`filename (option 67) for vendor class PXEClient with option 93 = 7 or 9 (x86-64 UEFI): ${firstStage(site, 'uefi')}`] : []),
    ...(site.boot.loader === 'ipxe' ? [`filename (option 67) for user class "iPXE", before the PXEClient rules (or iPXE loads itself forever): ${ipxeScriptFilename(site)}`] : []),
    `filename (option 67) for vendor class Etherboot (Etherboot ROMs): ${site.boot.etherbootFile}, with option 128 (string) = ${ETHERBOOT_MAGIC}, Etherboot's magic value`,
    `root-path (option 17): ${nfsRootSpec(site)}`,
  ];
  for (const h of site.hosts) {
    const o = option129(site, h);
    if (o) notes.push(`option 129 (text) for ${h.name} (${h.mac}): "${o}"`);
    if (h.filename) notes.push(`filename (option 67) for ${h.name} (${h.mac}), whatever its vendor class: ${h.filename}`);
  }
  if (!site.dhcp.bootUnknownClients && site.hosts.length)
    notes.push(`give the boot options above only to the ${site.hosts.length} listed thin client(s) (dhcp.boot_unknown_clients = false), e.g. by their MAC addresses`);
  return notes;
}

export const dhcpd: Target = {
  name: 'dhcpd',
  summary: 'ISC dhcpd configuration: /etc/dhcp/dhcpd.conf (primary) or /etc/dhcp/dhcpd.1067.conf (port-1067, nfsroot)',
  whyNoFile: (site) => (dhcpdConfPath(site) ? undefined : `dhcp.mode = "${site.dhcp.mode}" runs no dhcpd (only primary, port-1067 and nfsroot do)`),
  plan(site): PlannedItem[] {
    const path = dhcpdConfPath(site);
    if (!path) return [];
    return [{ kind: 'file', path, content: renderDhcpdConf(site), mode: 0o644, checker: dhcpdChecker }];
  },
  notes(site) {
    if (site.dhcp.mode === 'none') return manualSettings(site);
    if (!dhcpdConfPath(site)) return [];
    // dhcpd hands out no address it was not given: a fixed one or one from a range
    const orphans = site.hosts.filter((h) => !h.address);
    if (orphans.length === 0 || site.network.subnets.some((s) => s.range)) return [];
    const service = site.dhcp.mode === 'primary' ? 'dhcpd' : 'dhcpd.1067';
    return [
      `${orphans.map((h) => h.name).join(', ')} ha${orphans.length === 1 ? 's' : 've'} no fixed address and no subnet has a dhcp.range: ${service} cannot answer ${orphans.length === 1 ? 'it' : 'them'}; give each host an address or set dhcp.range`,
    ];
  },
};
