// The DHCP targets (dhcpd, dnsmasq): golden files for every example in every
// dhcp.mode, every generated file accepted by the real dhcpd -t and
// dnsmasq --test, the rules behind the content, and hostile input.
// Golden files: tests/support/golden.ts says how to update them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { SiteError } from '../../src/errors';
import { DHCP_MODES, type DhcpMode } from '../../src/site/schema';
import type { Site } from '../../src/site/types';
import type { Platform, WholeFile } from '../../src/targets/types';
import { dhcpd, dhcpdChecker } from '../../src/targets/dhcpd';
import { option129 } from '../../src/site/boot-line';
import { dnsmasq, dnsmasqChecker } from '../../src/targets/dnsmasq';
import { findTarget, targets } from '../../src/targets';
import { runChecker } from '../../src/system/checkers';
import { golden } from '../support/golden';
import { loadSite as load, siteHead } from '../support/site';

const repo = join(__dirname, '../..');
const examples = readdirSync(join(repo, 'examples')).filter((f) => f.endsWith('.toml')).sort();
const gentoo: Platform = { gentoo: true };


/** The example's text with dhcp.mode set to `mode`. */
function withMode(text: string, mode: DhcpMode): string {
  const dhcp = /^\[dhcp\][^\n]*$/m;
  const line = /^(\[dhcp\][^[]*?)^mode\s*=[^\n]*$/m;
  if (line.test(text)) return text.replace(line, `$1mode = "${mode}"`);
  if (dhcp.test(text)) return text.replace(dhcp, `$&\nmode = "${mode}"`);
  return `${text}\n[dhcp]\nmode = "${mode}"\n`;
}

/** Every DHCP file of a site, with the notes of both targets. */
function dhcpFiles(site: Site): { files: WholeFile[]; notes: string[] } {
  const items = [...dhcpd.plan(site, gentoo), ...dnsmasq.plan(site, gentoo)];
  for (const i of items) assert.equal(i.kind, 'file');
  return { files: items as WholeFile[], notes: [...dhcpd.notes!(site, gentoo), ...dnsmasq.notes!(site, gentoo)] };
}

function assertAccepted(f: WholeFile): void {
  assert.ok(f.checker, `${f.path} has a checker`);
  const r = runChecker(f.checker, f.path, Buffer.from(f.content));
  assert.equal(r.result, 'accepted', `${f.checker.label} on ${f.path}: ${r.result === 'refused' ? r.output : r.result === 'skipped' ? r.why : ''}`);
}

/** The text of one block `head {` ... its closing brace at the same indentation. */
function block(conf: string, head: string): string {
  const lines = conf.split('\n');
  const start = lines.findIndex((l) => l.trim() === `${head} {`);
  assert.ok(start >= 0, `no "${head} {" block`);
  const indent = lines[start].length - lines[start].trimStart().length;
  const end = lines.findIndex((l, i) => i > start && l === `${' '.repeat(indent)}}`);
  return lines.slice(start, end + 1).join('\n');
}

const EXPECTED_PATH: Record<DhcpMode, string | null> = {
  primary: '/etc/dhcp/dhcpd.conf',
  'port-1067': '/etc/dhcp/dhcpd.1067.conf',
  nfsroot: '/etc/dhcp/dhcpd.1067.conf',
  proxy: '/etc/dnsmasq.d/ltsp-ts.conf',
  none: null,
};

for (const example of examples) {
  const name = basename(example, '.toml');
  const text = readFileSync(join(repo, 'examples', example), 'utf8');
  const own = load(text).dhcp.mode;

  for (const mode of DHCP_MODES) {
    // the example's own mode in tests/golden/<example>/, the others beside it
    const dir = mode === own ? name : `${name}+${mode}`;
    test(`golden, checked: examples/${example} in dhcp.mode ${mode}`, () => {
      const site = load(withMode(text, mode));
      assert.equal(site.dhcp.mode, mode);
      const { files, notes } = dhcpFiles(site);
      assert.deepEqual(files.map((f) => f.path), EXPECTED_PATH[mode] ? [EXPECTED_PATH[mode]] : []);
      for (const f of files) {
        assert.equal(f.mode, 0o644);
        golden(dir, f.path, f.content);
        assertAccepted(f);
      }
      if (notes.length) golden(dir, 'dhcp.notes', notes.join('\n') + '\n');
    });
  }
}

test('both targets are registered, after the boot tree', () => {
  assert.equal(findTarget('dhcpd'), dhcpd);
  assert.equal(findTarget('dnsmasq'), dnsmasq);
  assert.ok(targets.indexOf(dhcpd) > targets.indexOf(findTarget('pxelinux')!));
});

test('the wiki sample: every host in its group, option 129 exactly, not authoritative, unknown clients refused', () => {
  const site = load(readFileSync(join(repo, 'examples/wiki-sample.toml'), 'utf8'));
  const [f] = dhcpd.plan(site, gentoo) as WholeFile[];
  const conf = f.content;
  assert.equal(f.path, '/etc/dhcp/dhcpd.1067.conf');
  assert.equal(f.checker, dhcpdChecker);
  assert.match(conf, /^not authoritative;/m);
  assert.doesNotMatch(conf, /^authoritative;/m);
  assert.match(conf, /^boot-unknown-clients\s+false;/m);
  assert.match(conf, /^ddns-update-style\s+none;$/m);
  assert.match(conf, /^use-host-decl-names\s+on;/m);
  assert.match(conf, /^default-lease-time\s+28800;$/m);
  assert.match(conf, /^max-lease-time\s+86400;$/m);
  assert.match(conf, /^option option-128 code 128 = string;$/m);
  assert.match(conf, /^option option-129 code 129 = text;$/m);
  assert.match(conf, /^option domain-name-servers 192\.168\.0\.1;$/m);
  assert.match(conf, /^option log-servers 192\.168\.0\.254;$/m);
  assert.match(conf, /^option ntp-servers 192\.168\.0\.1;$/m);
  const shared = block(conf, 'shared-network LTSPCLIENTS');
  assert.match(shared, /^ {2}option domain-name "ltsp\.example\.org";$/m);
  assert.match(shared, /^ {4}next-server 192\.168\.0\.254;$/m);
  assert.match(shared, /^ {4}option root-path "192\.168\.0\.254:\/opt\/ltsp\/i386";$/m);
  // PXE ROMs by architecture (option 93), Etherboot ROMs their kernel and option 128
  assert.match(shared, /if substring \(option vendor-class-identifier, 0, 9\) = "PXEClient" \{\n.*\n\s+if not exists pxe-system-type or option pxe-system-type = 00:00 \{\n\s+filename "\/pxelinux\.0";\n\s+\} elsif option pxe-system-type = 00:07 or option pxe-system-type = 00:09 \{\n\s+filename "\/efi64\/syslinux\.efi";\n\s+\}\n\s+\} elsif substring \(option vendor-class-identifier, 0, 9\) = "Etherboot" \{\n.*\n\s+filename "\/lts\/vmlinuz-2\.6\.20\.9-ltsp";\n\s+option option-128 e4:45:74:68:00:00;/);
  assert.doesNotMatch(shared, /user-class/, 'no iPXE branch with boot.loader = "pxelinux"');
  const subnet = block(shared, 'subnet 192.168.0.0 netmask 255.255.255.0');
  assert.match(subnet, /option subnet-mask 255\.255\.255\.0;/);
  assert.match(subnet, /option broadcast-address 192\.168\.0\.255;/);
  assert.match(subnet, /option routers 192\.168\.0\.1;/);
  assert.doesNotMatch(subnet, /range/, 'no dynamic range in the sample');

  const groups: Record<string, string[]> = { DESKTOP: ['desktop'], LIBRARY: ['ws100', 'ws101', 'ws102'], LAB: ['ws103'] };
  for (const [g, members] of Object.entries(groups)) {
    const gb = block(shared, `group ${g}`);
    assert.deepEqual([...gb.matchAll(/^\s+host (\S+) \{$/gm)].map((m) => m[1]), members, `group ${g}`);
  }
  const host = (n: string) => block(shared, `host ${n}`);
  assert.match(host('ws101'), /hardware ethernet 00:60:08:5c:cb:be;/);
  assert.match(host('ws101'), /fixed-address 192\.168\.0\.101;/);
  const o129: Record<string, string | null> = {
    desktop: null,
    ws100: 'DPORT=1067',
    ws101: 'DPORT=1067 NIC=3c509 MOPTS=nolock,ro,wsize=2048,rsize=2048',
    ws102: 'NIC=ne IO=0x300',
    ws103: 'nfsroot=192.168.0.254:/opt/ltsp/i386',
  };
  for (const [n, v] of Object.entries(o129)) {
    const m = /option option-129 "([^"]*)";/.exec(host(n));
    assert.equal(m ? m[1] : null, v, `option 129 of ${n}`);
  }
});

test('authoritative only in primary; boot information for unknown machines only when boot_unknown_clients', () => {
  const text = readFileSync(join(repo, 'examples/primary.toml'), 'utf8');
  const conf = (t: string) => (dhcpd.plan(load(t), gentoo)[0] as WholeFile).content;

  const primary = conf(text);
  assert.match(primary, /^authoritative;/m);
  assert.doesNotMatch(primary, /not authoritative/);
  // the only DHCP server: other machines still get an address, but nothing to boot
  assert.doesNotMatch(primary, /boot-unknown-clients|unknown-clients/);
  const shared = block(primary, 'shared-network LTSPCLIENTS');
  const known = block(shared, 'if known');
  assert.match(known, /next-server 10\.10\.0\.1;/);
  assert.match(known, /filename "\/pxelinux\.0";/);
  assert.match(known, /option root-path/);
  assert.equal(shared.match(/next-server|filename "\/pxelinux|root-path/g)!.length, 3, 'boot information only inside "if known"');

  for (const mode of ['port-1067', 'nfsroot'] as const) {
    const c = conf(withMode(text, mode));
    assert.match(c, /^not authoritative;/m, mode);
    assert.match(c, /^boot-unknown-clients\s+false;/m, mode);
    // every pool of every subnet is for listed clients only
    const pools = [...c.matchAll(/pool \{\n([^}]*)\}/g)].map((m) => m[1]);
    assert.equal(pools.length, 2, mode);
    for (const p of pools) assert.match(p, /^\s+deny unknown-clients;/m, mode);
  }

  const open = conf(text.replace('boot_unknown_clients = false', 'boot_unknown_clients = true'));
  assert.doesNotMatch(open, /if known|unknown-clients/);
  assert.match(block(open, 'shared-network LTSPCLIENTS'), /^ {2}next-server 10\.10\.0\.1;$/m);
});

test('two subnets on one wire: one shared-network holding both, hosts with fixed addresses in either', () => {
  const site = load(readFileSync(join(repo, 'examples/primary.toml'), 'utf8'));
  const conf = (dhcpd.plan(site, gentoo)[0] as WholeFile).content;
  assert.equal(conf.match(/^shared-network /gm)!.length, 1);
  const shared = block(conf, 'shared-network LTSPCLIENTS');
  const a = block(shared, 'subnet 10.10.0.0 netmask 255.255.255.0');
  const b = block(shared, 'subnet 10.10.1.0 netmask 255.255.255.0');
  assert.match(a, /range 10\.10\.0\.100 10\.10\.0\.199;/);
  assert.match(a, /option routers 10\.10\.0\.1;/);
  assert.match(b, /range 10\.10\.1\.100 10\.10\.1\.149;/);
  assert.match(b, /option routers 10\.10\.1\.1;/);
  assert.match(b, /option broadcast-address 10\.10\.1\.255;/);
  assert.match(block(shared, 'host annex01'), /fixed-address 10\.10\.1\.21;/);
  // a host's own boot file wins over the vendor-class branch (host scope is innermost)
  assert.match(block(shared, 'host annex02'), /filename "\/lts\/vmlinuz-2\.6\.20\.9-ltsp-old";/);
});

test('option 129 comes from the structured fields only, nfsroot= for every host in nfsroot mode', () => {
  const site = load(readFileSync(join(repo, 'examples/nfsroot.toml'), 'utf8'));
  const by = (n: string) => site.hosts.find((h) => h.name === n)!;
  assert.equal(option129(site, by('cat01')), 'DPORT=1067 nfsroot=192.168.10.250:/opt/ltsp/i386');
  assert.equal(option129(site, by('cat02')), 'DPORT=1067 NIC=8139too MOPTS=nolock,ro,rsize=8192,wsize=8192 nfsroot=192.168.10.250:/opt/ltsp/i386');
  assert.equal(option129(site, by('desk')), 'DPORT=1067 nfsroot=192.168.10.250:/opt/ltsp/i386');
  const conf = (dhcpd.plan(site, gentoo)[0] as WholeFile).content;
  assert.equal(conf.match(/option option-129 "[^"]*nfsroot=192\.168\.10\.250:\/opt\/ltsp\/i386";/g)!.length, 3);
  // a host's kernel_append is free text: never in option 129
  const wiki = load(`${BASE}
[[host]]
name = "ws9"
mac = "00:11:22:33:44:99"
kernel_append = "vga=791"
nic = "e100"
`);
  assert.equal(option129(wiki, wiki.hosts[0]), 'NIC=e100');
  assert.doesNotMatch((dhcpd.plan(wiki, gentoo)[0] as WholeFile).content, /vga=791/);
});

const BASE = siteHead();

test('a group named by digits only is quoted (dhcpd would read a number); hosts in no group sit in the shared-network', () => {
  const site = load(`${BASE}
[[group]]
name = "101"
  [[group.host]]
  name = "r101"
  mac = "00:11:22:33:44:01"
  address = "192.0.2.11"
[[host]]
name = "loose"
mac = "00:11:22:33:44:02"
address = "192.0.2.12"
`);
  const [f] = dhcpd.plan(site, gentoo) as WholeFile[];
  assert.match(f.content, /^ {2}group "101" \{$/m);
  assert.match(block(f.content, 'shared-network LTSPCLIENTS'), /^ {2}host loose \{$/m);
  assertAccepted(f);
});

test('dnsmasq: proxyDHCP without DNS or TFTP, listed clients only, a host with its own boot file', () => {
  const text = readFileSync(join(repo, 'examples/proxy.toml'), 'utf8');
  const site = load(text);
  assert.deepEqual(dhcpd.plan(site, gentoo), [], 'no dhcpd in proxy mode');
  const [f] = dnsmasq.plan(site, gentoo) as WholeFile[];
  assert.equal(f.path, '/etc/dnsmasq.d/ltsp-ts.conf');
  assert.equal(f.checker, dnsmasqChecker);
  const c = f.content;
  assert.match(c, /^port=0$/m);
  assert.match(c, /^interface=enp3s0$/m);
  assert.match(c, /^dhcp-range=192\.168\.50\.0,proxy,255\.255\.255\.0$/m);
  assert.doesNotMatch(c, /^(enable-tftp|tftp-root|dhcp-boot)/m);
  assert.match(c, /^dhcp-host=3c:97:0e:5a:01:01,set:ltsp$/m);
  assert.deepEqual(c.match(/^pxe-service=.*$/gm), [
    'pxe-service=tag:ltsp,x86PC,"Office thin client",/pxelinux.0,192.168.50.10',
    'pxe-service=tag:ltsp,BC_EFI,"Office thin client",/efi64/syslinux.efi,192.168.50.10',
    'pxe-service=tag:ltsp,X86-64_EFI,"Office thin client",/efi64/syslinux.efi,192.168.50.10',
  ]);

  const own = load(
    text
      .replace('dnsmasq_dns = false', 'dnsmasq_dns = true\nboot_unknown_clients = true')
      .replace('kernel_append = "video=1920x1080"', 'filename = "/pxe/other.0"')
      .replace('menu_label    = "Office thin client"', 'menu_label = "Office, floor 2"'),
  );
  const [g] = dnsmasq.plan(own, gentoo) as WholeFile[];
  assert.doesNotMatch(g.content, /^port=/m);
  assert.match(g.content, /^dhcp-host=3c:97:0e:5a:01:02,set:ltsp-own,set:ltsp-host-accounts$/m);
  assert.deepEqual(g.content.match(/^pxe-service=.*x86PC.*$/gm), [
    'pxe-service=tag:!ltsp-own,x86PC,"Office, floor 2",/pxelinux.0,192.168.50.10',
    'pxe-service=tag:ltsp-host-accounts,x86PC,"Office, floor 2",/pxe/other.0,192.168.50.10',
  ]);
  assertAccepted(g);
  assert.ok(dnsmasq.notes!(own, gentoo).some((n) => n.includes('conf-dir=/etc/dnsmasq.d/')));
  // a boot file without a dot would get ".0" from dnsmasq: the admin is told
  const dotless = load(text.replace('pxe_filename  = "/pxelinux.0"', 'pxe_filename = "/boot/pxelinux"'));
  assert.ok(dnsmasq.notes!(dotless, gentoo).some((n) => n.includes('appends ".0" to the PXE boot file /boot/pxelinux')));
});

test('mode none: no DHCP file, and exactly the settings for the existing server', () => {
  const site = load(readFileSync(join(repo, 'examples/none.toml'), 'utf8'));
  assert.deepEqual([...dhcpd.plan(site, gentoo), ...dnsmasq.plan(site, gentoo)], []);
  assert.deepEqual(dnsmasq.notes!(site, gentoo), []);
  assert.deepEqual(dhcpd.notes!(site, gentoo), [
    'dhcp.mode is "none": ltsp-ts writes no DHCP configuration; set the following on the DHCP server that serves 10.42.8.0/22',
    'next-server (option 66, TFTP server): 10.42.8.5',
    'filename (option 67) for vendor class PXEClient (PXE ROMs) with option 93 = 0 (BIOS) or none: /pxelinux.0',
    'filename (option 67) for vendor class PXEClient with option 93 = 7 or 9 (x86-64 UEFI): /efi64/syslinux.efi',
    'filename (option 67) for vendor class Etherboot (Etherboot ROMs): /lts/vmlinuz-2.6.20.9-ltsp, with option 128 (string) = e4:45:74:68:00:00, Etherboot\'s magic value',
    'root-path (option 17): 10.42.8.5:/opt/ltsp/i386',
    'option 129 (text) for lab3-02 (08:00:27:33:00:02): "NIC=3c509 MOPTS=nolock,ro,wsize=2048,rsize=2048"',
    'give the boot options above only to the 2 listed thin client(s) (dhcp.boot_unknown_clients = false), e.g. by their MAC addresses',
  ]);
});

test('port-1067: a listed host without an address and no range is pointed out', () => {
  const site = load(`${BASE}
[[host]]
name = "ws1"
mac = "00:11:22:33:44:01"
`);
  assert.deepEqual(dhcpd.notes!(site, gentoo), [
    'ws1 has no fixed address and no subnet has a dhcp.range: dhcpd.1067 cannot answer it; give each host an address or set dhcp.range',
  ]);
  const ranged = load(`${BASE}
[dhcp]
range = ["192.0.2.100", "192.0.2.120"]
[[host]]
name = "ws1"
mac = "00:11:22:33:44:01"
`);
  assert.deepEqual(dhcpd.notes!(ranged, gentoo), []);
});

// Hostile values: each must be refused by validation, naming its key, so it never reaches a config file.
const HOSTILE: { key: string; toml: string }[] = [
  { key: 'group[1].name', toml: '[[group]]\nname = "LAB\\" { deny booting; }"\n' },
  { key: 'group[1].host[1].name', toml: '[[group]]\nname = "LAB"\n[[group.host]]\nname = "ws1;"\nmac = "00:11:22:33:44:55"\n' },
  { key: 'host[1].name', toml: '[[host]]\nname = "ws1\\n}"\nmac = "00:11:22:33:44:55"\n' },
  { key: 'host[1].nic', toml: '[[host]]\nname = "ws1"\nmac = "00:11:22:33:44:55"\nnic = "ne\\"; filename \\"/evil"\n' },
  { key: 'host[1].io', toml: '[[host]]\nname = "ws1"\nmac = "00:11:22:33:44:55"\nio = "0x300;"\n' },
  { key: 'host[1].mount_options', toml: '[[host]]\nname = "ws1"\nmac = "00:11:22:33:44:55"\nmount_options = "ro\\nnext-server 10.0.0.1;"\n' },
  { key: 'host[1].mount_options', toml: '[[host]]\nname = "ws1"\nmac = "00:11:22:33:44:55"\nmount_options = "ro}"\n' },
  { key: 'host[1].filename', toml: '[[host]]\nname = "ws1"\nmac = "00:11:22:33:44:55"\nfilename = "/x\\";}"\n' },
  { key: 'host[1].mac', toml: '[[host]]\nname = "ws1"\nmac = "00:11:22:33:44:55; }"\n' },
  { key: 'boot.pxe_filename', toml: '[boot]\npxe_filename = "/pxelinux.0\\"; allow unknown-clients; #"\n' },
  { key: 'boot.etherboot_file', toml: '[boot]\netherboot_file = "/lts/vmlinuz\\n}"\n' },
  { key: 'boot.menu_label', toml: '[boot]\nmenu_label = "Thin\\"\\nport=53"\n' },
  { key: 'network.domain', toml: '[network]\nsubnet = "192.0.2.0/24"\ndomain = "x.org\\"; authoritative;"\n' },
  { key: 'nfs.root', toml: '[nfs]\nroot = "/opt/ltsp/{i386}"\n' },
  { key: 'server.interface', toml: '[server]\naddress = "192.0.2.1"\ninterface = "eth0\\ndhcp-range=0.0.0.0"\n' },
];

for (const h of HOSTILE) {
  test(`hostile input refused by validation: ${h.key}`, () => {
    // the base site without the tables the case replaces
    const tables = new Set([...h.toml.matchAll(/^\[([a-z]+)\]$/gm)].map((m) => m[1]));
    const base = BASE.split(/(?=^\[)/m).filter((part) => !tables.has(/^\[([a-z]+)\]/.exec(part.trim())?.[1] ?? '')).join('');
    const text = `${base}\n${h.toml}`;
    assert.throws(
      () => load(text),
      (e: unknown) => {
        assert.ok(e instanceof SiteError, String(e));
        assert.ok(e.problems.some((p) => p.key === h.key), `${e.message} names ${h.key}`);
        return true;
      },
    );
  });
}

test('a dhcpd.conf that dhcpd -t refuses is reported with dhcpd\'s own message, under the real path', () => {
  const site = load(readFileSync(join(repo, 'examples/wiki-sample.toml'), 'utf8'));
  const [f] = dhcpd.plan(site, gentoo) as WholeFile[];
  // a lost semicolon after ws101's address: dhcpd reports it on the line after
  const broken = f.content.replace('fixed-address 192.168.0.101;', 'fixed-address 192.168.0.101');
  const line = broken.split('\n').findIndex((l) => l.includes('fixed-address 192.168.0.101')) + 1;
  const r = runChecker(f.checker!, f.path, Buffer.from(broken));
  assert.equal(r.result, 'refused');
  if (r.result !== 'refused') return;
  assert.equal(r.label, 'dhcpd -t');
  assert.match(r.output, new RegExp(`/etc/dhcp/dhcpd\\.1067\\.conf line ${line + 1}: semicolon expected\\.`));
  assert.match(r.output, /Configuration file errors encountered -- exiting/);

  const bad = runChecker(dnsmasqChecker, '/etc/dnsmasq.d/ltsp-ts.conf', Buffer.from('dhcp-range=192.0.2.0,proxy,255.255.255.0\npxe-service=x86PC\n'));
  assert.equal(bad.result, 'refused');
  if (bad.result === 'refused') assert.match(bad.output, /bad pxe-service|at line 2 of \/etc\/dnsmasq\.d\/ltsp-ts\.conf/);
});

test('dhcpd -t as the checker leaves no lease or pid file behind', () => {
  const site = load(readFileSync(join(repo, 'examples/primary.toml'), 'utf8'));
  const [f] = dhcpd.plan(site, gentoo) as WholeFile[];
  const before = ['/var/lib/dhcp/dhcpd.leases', '/var/run/dhcpd.pid', '/run/dhcpd.pid'].map((p) => existsSync(p));
  assertAccepted(f);
  assert.deepEqual(['/var/lib/dhcp/dhcpd.leases', '/var/run/dhcpd.pid', '/run/dhcpd.pid'].map((p) => existsSync(p)), before);
});
