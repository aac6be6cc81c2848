// dnsmasq as a proxyDHCP server (dhcp.mode = "proxy"), for stock PXE ROMs on a
// network whose own DHCP server must stay as it is: the file goes to
// /etc/dnsmasq.d/ltsp-ts.conf. Gentoo's net-dns/dnsmasq installs the upstream
// example as /etc/dnsmasq.conf, whose conf-dir line is commented out, so the
// notes tell the admin to enable it. No TFTP (ltsp-tftpd serves the tree) and
// no DNS unless dhcp.dnsmasq_dns asks for it.
import type { Site } from '../../site/types';
import { generatedHeader, render } from '../template';
import type { Checker, PlannedItem, Target } from '../types';
import { firstStage, ipxeScriptFilename } from '../../site/boot-line';
import template from './dnsmasq.conf.hbs';

const DNSMASQ_CONF = '/etc/dnsmasq.d/ltsp-ts.conf';

/** --test only parses the options: no socket, no lease file, no pid file. */
export const dnsmasqChecker: Checker = { program: 'dnsmasq', args: ['--test', '--conf-file={}'], label: 'dnsmasq --test' };

const KNOWN = 'ltsp';
const OWN = 'ltsp-own';
const IPXE = 'ipxe';
/**
 * A host's own tag, in a namespace no fixed tag shares: as `ltsp-NAME` a host named "own"
 * had the tag of every host with a file of its own (OWN), and its boot file went to all of them.
 */
const hostTag = (name: string) => `ltsp-host-${name}`;
/** dnsmasq's names for option 93 values: 0 BIOS, 7 and 9 x86-64 UEFI (firmware sends either) */
const CSA = { bios: ['x86PC'], uefi: ['BC_EFI', 'X86-64_EFI'] } as const;

export function renderDnsmasqConf(site: Site): string {
  const own = site.hosts.filter((h) => h.filename);
  const bootUnknown = site.dhcp.bootUnknownClients;
  // the catch-all service: listed hosts only, or everyone but the hosts with a file of their own
  const generalTags = !bootUnknown ? `tag:${KNOWN},` : own.length ? `tag:!${OWN},` : '';
  const ipxe = site.boot.loader === 'ipxe';
  // iPXE clients match no pxe-service: they get the script below instead
  const notIpxe = ipxe ? `tag:!${IPXE},` : '';
  const byArch = (tags: string, bios: string, uefi: string) => [
    ...CSA.bios.map((csa) => ({ tags: tags + notIpxe, csa, file: bios })),
    ...(site.boot.uefi ? CSA.uefi.map((csa) => ({ tags: tags + notIpxe, csa, file: uefi })) : []),
  ];
  const services = [
    ...byArch(generalTags, firstStage(site, 'bios'), firstStage(site, 'uefi')),
    ...own.flatMap((h) => byArch(`tag:${hostTag(h.name)},`, h.filename!, h.filename!)),
  ];
  const scripts = ipxe ? [{ tags: `tag:${IPXE},${generalTags}`, file: ipxeScriptFilename(site) }, ...own.map((h) => ({ tags: `tag:${IPXE},tag:${hostTag(h.name)},`, file: h.filename! }))] : false;
  return render(template, {
    header: generatedHeader('#', site).trimEnd(),
    path: DNSMASQ_CONF,
    dns: site.dhcp.dnsmasqDns,
    interface: site.server.interface,
    subnets: site.network.subnets.map((s) => ({ network: s.network, netmask: s.netmask })),
    hosts: site.hosts.length
      ? site.hosts.map((h) => ({ mac: h.mac, sets: h.filename ? `set:${OWN},set:${hostTag(h.name)}` : `set:${KNOWN}` }))
      : false,
    // machines not listed get no proxy answer at all, not an answer without a boot file
    ignoreUnknown: !bootUnknown && `tag:!${KNOWN}${own.length ? `,tag:!${OWN}` : ''}`,
    tftp: site.tftp.address,
    who: bootUnknown ? 'Every PXE client boots (dhcp.boot_unknown_clients = true).' : 'Only the listed clients boot (dhcp.boot_unknown_clients = false).',
    // printed between double quotes, where dnsmasq takes a comma, colon, dot or # as text
    // (boot.menu_label has no quote, backslash or control character: validate.ts)
    label: site.boot.menuLabel,
    services,
    ipxe: ipxe && { tag: IPXE, scripts },
  });
}

const unused = (site: Site) => (site.dhcp.mode === 'proxy' ? undefined : `dhcp.mode = "${site.dhcp.mode}" (dnsmasq answers only with dhcp.mode = "proxy")`);

export const dnsmasq: Target = {
  name: 'dnsmasq',
  summary: 'dnsmasq as a proxyDHCP server for PXE ROMs: /etc/dnsmasq.d/ltsp-ts.conf (dhcp.mode = "proxy")',
  whyNoFile: unused,
  plan(site): PlannedItem[] {
    if (unused(site)) return [];
    return [{ kind: 'file', path: DNSMASQ_CONF, content: renderDnsmasqConf(site), mode: 0o644, checker: dnsmasqChecker }];
  },
  notes(site) {
    if (unused(site)) return [];
    const notes = [
      `dnsmasq reads ${DNSMASQ_CONF} only with conf-dir=/etc/dnsmasq.d/,*.conf in /etc/dnsmasq.conf (Gentoo's default file has that line commented out); then \`rc-update add dnsmasq default && rc-service dnsmasq restart\``,
    ];
    if (!site.dhcp.dnsmasqDns) notes.push('dnsmasq serves no DNS here (port=0): any other DNS settings of the same dnsmasq stop working; set dhcp.dnsmasq_dns = true to keep them');
    for (const f of [firstStage(site, 'bios'), ...site.hosts.flatMap((h) => (h.filename ? [h.filename] : []))])
      if (!f.includes('.')) notes.push(`dnsmasq appends ".0" to the PXE boot file ${f} (its name has no dot): rename it, e.g. to ${f}.0, and set the new name in site.toml`);
    return notes;
  },
};
