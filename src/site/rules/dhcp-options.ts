// What the site's dhcpd hands a thin client must reach it whole, as one option
// each, in the options field of a reply an Etherboot or PXE ROM reads:
// - an option holds 255 bytes: dhcpd cuts a longer root-path or option 129 into
//   several options of the same code (RFC 3396), which only newer clients join;
// - a reply of 576 bytes (the size every DHCP client takes; a ROM need not ask
//   for more) has 308 bytes of options after the magic cookie: beyond them dhcpd
//   puts options into the sname field (option 52, which ROMs need not read), cuts
//   one across both, or leaves option 129 out (measured with dhcpd 4.4 and a
//   576-byte client: a 250-byte option 129 beside a 90-byte root-path never came).
// Counted is every option dhcpd.conf gives a host (as if its ROM asked for all).
// - the boot file travels in the reply's file field, 128 bytes with its NUL:
//   dhcpd cuts a longer name to 128 bytes without a NUL (measured with 140).
import type { Reporter } from '../reporter';
import type { Host, Site } from '../types';
import { firstStage, ipxeScriptFilename, nfsRootSpec, option129 } from '../boot-line';

/** The longest DHCP option (its length is one byte). */
export const DHCP_OPTION_MAX = 255;
/** Bytes of options in a 576-byte DHCP message: 548 of UDP payload, 236 of fixed fields, 4 of magic cookie. */
export const DHCP_REPLY_OPTIONS = 308;

const DHCPD_MODES = ['primary', 'port-1067', 'nfsroot'];

/** An option of `n` bytes of data takes its code and length too. */
const option = (n: number) => 2 + n;
/** An option of IPv4 addresses, none when the list is empty. */
const addresses = (list: readonly string[]) => (list.length ? option(4 * list.length) : 0);

const SPLIT = 'dhcpd cuts a longer one into several options (RFC 3396), which Etherboot and PXE ROMs do not join';

/** Bytes of the options every known client gets, and what they are (for a message). */
function common(site: Site): { bytes: number; parts: string[] } {
  const n = site.network;
  const routers = Math.max(0, ...n.subnets.map((s) => addresses(s.routers)));
  const parts: [string, number][] = [
    // message type, server identifier, lease time, renewal and rebinding times, subnet mask, broadcast address, end
    ['the fixed options', option(1) + 6 * option(4) + 1],
    ['routers', routers],
    ['DNS servers', addresses(n.dns)],
    ['log servers', addresses(n.logServers)],
    ['NTP servers', addresses(n.ntp)],
    ['domain name', n.domain ? option(n.domain.length) : 0],
    ['root-path', option(Buffer.byteLength(nfsRootSpec(site)))],
    // Etherboot's magic value: 6 bytes, to Etherboot ROMs
    ['option 128', option(6)],
  ];
  const used = parts.filter(([, b]) => b > 0);
  return { bytes: used.reduce((a, [, b]) => a + b, 0), parts: used.map(([what, b]) => `${what} ${b}`) };
}

/** The longest boot file name the reply's file field (128 bytes) holds with its NUL. */
export const BOOT_FILE_MAX = 127;

function checkBootFiles(r: Reporter, site: Site, hostPath: (i: number) => string): void {
  const mode = site.dhcp.mode;
  const over = (key: string, what: string, name: string) => {
    const bytes = Buffer.byteLength(name);
    if (bytes > BOOT_FILE_MAX)
      r.report(key, `${what} ${name.slice(0, 40)}... is ${bytes} bytes long, and the file field of a DHCP reply holds ${BOOT_FILE_MAX} with its NUL: dhcpd cuts it to 128 bytes without one`, `expected a boot file name of at most ${BOOT_FILE_MAX} bytes, its directory included`);
  };
  // what a PXE ROM and iPXE are handed (dhcpd or dnsmasq), and an Etherboot ROM (dhcpd, or the admin's server)
  const pxe = [firstStage(site, 'bios'), ...(site.boot.uefi ? [firstStage(site, 'uefi')] : []), ...(site.boot.loader === 'ipxe' ? [ipxeScriptFilename(site)] : [])];
  const longest = pxe.reduce((a, b) => (Buffer.byteLength(b) > Buffer.byteLength(a) ? b : a));
  over('boot.pxe_filename', 'the boot file', longest);
  if (mode === 'proxy') return;
  over('boot.etherboot_file', 'the Etherboot kernel', site.boot.etherbootFile);
  site.hosts.forEach((h, i) => {
    if (h.filename) over(`${hostPath(i)}.filename`, `the boot file of host ${h.name}`, h.filename);
  });
}

export function checkDhcpOptions(r: Reporter, site: Site, hostPath: (i: number) => string): void {
  checkBootFiles(r, site, hostPath);
  const dhcpd = DHCPD_MODES.includes(site.dhcp.mode);
  // with dhcp.mode = "none" the admin's own server sends them: an option is 255 bytes there too
  if (!dhcpd && site.dhcp.mode !== 'none') return;
  const rootPath = nfsRootSpec(site);
  const rootBytes = Buffer.byteLength(rootPath);
  if (rootBytes > DHCP_OPTION_MAX)
    r.report('nfs.root', `root-path (option 17), ${rootBytes} bytes with the server's address, is longer than the ${DHCP_OPTION_MAX} bytes a DHCP option holds: ${SPLIT}`, `expected a path of at most ${DHCP_OPTION_MAX - rootBytes + site.nfs.root.length} characters`);
  const shared = common(site);
  const where = (h: Host, i: number) => `${hostPath(i)}.${h.mountOptions ? 'mount_options' : 'name'}`;
  site.hosts.forEach((h, i) => {
    const o129 = option129(site, h);
    const bytes129 = Buffer.byteLength(o129);
    if (bytes129 > DHCP_OPTION_MAX) {
      r.report(where(h, i), `option 129 of host ${h.name} ("${o129.slice(0, 40)}..."), ${bytes129} bytes, is longer than the ${DHCP_OPTION_MAX} bytes a DHCP option holds: ${SPLIT}`, `expected option 129 (DPORT=, NIC=, IO=, MOPTS=, nfsroot=) of at most ${DHCP_OPTION_MAX} bytes: shorter mount_options or nfs.root`);
      return;
    }
    if (!dhcpd || rootBytes > DHCP_OPTION_MAX) return;
    // the host's own: its declared name (use-host-decl-names) and option 129
    const total = shared.bytes + option(h.name.length) + (o129 ? option(bytes129) : 0);
    if (total <= DHCP_REPLY_OPTIONS) return;
    r.report(
      where(h, i),
      `the DHCP reply to host ${h.name} needs ${total} bytes of options (${[...shared.parts, `host name ${option(h.name.length)}`, ...(o129 ? [`option 129 ${option(bytes129)}`] : [])].join(', ')}), and a 576-byte reply holds ${DHCP_REPLY_OPTIONS}: dhcpd would move the rest into the sname field, which ROMs need not read, or leave option 129 out`,
      `expected at most ${DHCP_REPLY_OPTIONS} bytes of options: shorter mount_options, nfs.root or domain, or fewer DNS, NTP or log servers`,
    );
  });
}
