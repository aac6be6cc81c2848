// Values that reach a generated file, against what the file and every program
// down the line split on or read otherwise: validation refuses each such value
// with the key, the line and what is expected, and the real program takes the
// generated file with the nearest value that is allowed.
//   server.interface  nft, iptables-restore (and the kernel): at most 15 characters
//   boot.menu_label   iPXE's `menu TITLE`: no first "-", no word "&&";
//                     dnsmasq's quoted pxe-service text keeps a comma
//   image.name        nbd-server.conf: [generic] is nbd-server's own section
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SiteProblem } from '../../src/errors';
import type { Site } from '../../src/site/types';
import type { FileEdit, WholeFile } from '../../src/targets/types';
import { findProgram, runChecker } from '../../src/system/checkers';
import { firewall, iptablesEdit } from '../../src/targets/firewall';
import { dnsmasq } from '../../src/targets/dnsmasq';
import { renderIpxeScript } from '../../src/targets/ipxe';
import { nbdServer } from '../../src/targets/nbd-server';
import { dhcpd } from '../../src/targets/dhcpd';
import { syslogItems } from '../../src/targets/syslog';
import { httpd } from '../../src/targets/httpd';
import { renderExports } from '../../src/targets/exports';
import { ltsConf } from '../../src/targets/lts-conf';
import { clientScripts } from '../../src/targets/image';
import { exportfs } from '../support/debtools';
import { REPO } from '../support/cli';
import { hosts } from '../../src/targets/hosts';
import { addressOfName, reservedNameProblem } from '../../src/site/address-rules';
import { loadSite, siteError, siteHead } from '../support/site';

const work = mkdtempSync(join(tmpdir(), 'ltsp-seps-'));
after(() => rmSync(work, { recursive: true, force: true }));

const isRoot = process.getuid?.() === 0;
const HEAD = siteHead({ dhcp: 'proxy' });

/** The one problem validation finds in `text` (read as site.toml). */
function onlyProblem(text: string): SiteProblem {
  const e = siteError(text);
  assert.ok(e, `accepted:\n${text}`);
  assert.equal(e.problems.length, 1, e.message);
  return e.problems[0];
}

/** The line of `text` (from 1) that starts with `start`. */
const lineOf = (text: string, start: string) => text.split('\n').findIndex((l) => l.startsWith(start)) + 1;

function accepted(f: { checker?: WholeFile['checker']; path: string }, content: string): void {
  assert.ok(f.checker, `${f.path} has a checker`);
  const r = runChecker(f.checker, f.path, Buffer.from(content));
  assert.equal(r.result, 'accepted', `${f.checker.label} on ${f.path}: ${r.result === 'refused' ? r.output : r.result === 'skipped' ? r.why : ''}`);
}

// ---- server.interface ---------------------------------------------------------

const withInterface = (name: string) => HEAD.replace('interface = "eth0"', `interface = "${name}"`);

test('server.interface longer than 15 characters is refused with its key, line and the limit', () => {
  for (const name of ['enp0s31f6abcdefg', 'enp0s20f0u1u2u3u4', 'x'.repeat(64)]) {
    const text = withInterface(name);
    const p = onlyProblem(text);
    assert.equal(p.key, 'server.interface');
    assert.equal(p.position.line, lineOf(text, 'interface ='));
    assert.equal(p.problem, `"${name}" is ${name.length} characters long, and Linux names a network interface in at most 15`);
    assert.match(p.expected, /^expected a network interface name like eth0: .*at most 15 characters$/);
  }
  // what a plain name refuses, an interface name refuses too
  for (const bad of ['eth 0', 'eth0:1', 'eth0,eth1', '.', '..', 'eth/0']) assert.equal(onlyProblem(withInterface(bad)).key, 'server.interface', bad);
});

const firewalled = (site: Site, backend: 'nftables' | 'iptables'): Site => ({ ...site, firewall: { enabled: true, backend } });
const LONGEST = 'enp0s20f0u1u2u3'; // 15 characters

test('a 15-character interface: nft -c takes the generated table', { skip: (!isRoot && 'nft -c needs root') || (!findProgram('nft') && 'nft is not installed') }, () => {
  const site = loadSite(withInterface(LONGEST));
  assert.equal(site.server.interface, LONGEST);
  const [block] = firewall.plan(firewalled(site, 'nftables'), { gentoo: true }) as FileEdit[];
  const content = block.edit(null);
  assert.ok(content.includes(`iifname "${LONGEST}"`));
  accepted(block, content);
});

test('a 15-character interface: iptables-restore --test takes the generated chain', { skip: (!isRoot && 'iptables-restore --test needs root') || (!findProgram('iptables-restore') && 'iptables-restore is not installed') }, () => {
  const edit = iptablesEdit(firewalled(loadSite(withInterface(LONGEST)), 'iptables'));
  const content = edit.edit(null);
  assert.ok(content.includes(`-i ${LONGEST} `));
  accepted(edit, content);
});

test('a 15-character interface: dnsmasq --test takes the proxyDHCP file', { skip: !findProgram('dnsmasq') && 'dnsmasq is not installed' }, () => {
  const [f] = dnsmasq.plan(loadSite(withInterface(LONGEST)), { gentoo: true }) as WholeFile[];
  assert.match(f.content, new RegExp(`^interface=${LONGEST}$`, 'm'));
  accepted(f, f.content);
});

// ---- boot.menu_label ------------------------------------------------------------

const withLabel = (label: string) => `${HEAD}[boot]\nloader = "ipxe"\ntimeout = 50\nmenu_label = ${JSON.stringify(label)}\n`;

test('boot.menu_label that iPXE would read as an option or a command separator is refused with its key and line', () => {
  const cases: [string, string][] = [
    ['-LTSP', '"-LTSP" starts with a hyphen, which iPXE\'s menu command reads as an option'],
    ['--- Lab ---', '"--- Lab ---" starts with a hyphen, which iPXE\'s menu command reads as an option'],
    ['Lab && reboot', '"&&" as a word ends an iPXE command: the rest of "Lab && reboot" would run as a command of its own'],
    ['Lab 1 &&  2', '"&&" as a word ends an iPXE command: the rest of "Lab 1 &&  2" would run as a command of its own'],
  ];
  for (const [label, problem] of cases) {
    const text = withLabel(label);
    const p = onlyProblem(text);
    assert.equal(p.key, 'boot.menu_label', label);
    assert.equal(p.position.line, lineOf(text, 'menu_label ='), label);
    assert.equal(p.problem, problem);
    assert.match(p.expected, /^expected printable text of at most 239 bytes .*not starting with "-" and without "&&" as a word$/);
  }
  // the characters free text refuses stay refused: "||" and ";" would end an iPXE command too
  for (const [label, char] of [['Lab || x', 'a pipe'], ['Lab ; x', 'a semicolon'], ['Lab #1', 'a hash sign'], ['Lab $x', 'a dollar sign']]) {
    assert.equal(onlyProblem(withLabel(label)).problem, `${char} is not allowed`, label);
  }
});

test('boot.menu_label longer than dnsmasq\'s PXE menu holds (239 bytes) is refused, counted in bytes', () => {
  for (const label of ['L'.repeat(240), 'ü'.repeat(120), `Room 12, ${'x'.repeat(300)}`]) {
    const text = withLabel(label);
    const p = onlyProblem(text);
    assert.equal(p.key, 'boot.menu_label');
    assert.equal(p.position.line, lineOf(text, 'menu_label ='));
    assert.equal(p.problem, `the label is ${Buffer.byteLength(label)} bytes long, and dnsmasq's PXE menu holds at most 239 (with a longer one it sends no boot file)`);
  }
  for (const label of ['L'.repeat(239), `${'ü'.repeat(119)}L`]) assert.equal(loadSite(withLabel(label)).boot.menuLabel, label);
});

test('boot.menu_label: "&" inside a word, a later "-" and commas are text, kept as written', () => {
  const label = 'Room 12, A&&B & C -x';
  const site = loadSite(withLabel(label));
  assert.equal(site.boot.menuLabel, label);
  const script = renderIpxeScript(site);
  assert.match(script, /^menu Room 12, A&&B & C -x$/m);
  assert.match(script, /^item ltsp Room 12, A&&B & C -x$/m);
});

test('boot.menu_label with a comma reaches dnsmasq as written, between quotes, and dnsmasq --test takes it', { skip: !findProgram('dnsmasq') && 'dnsmasq is not installed' }, () => {
  const [f] = dnsmasq.plan(loadSite(withLabel('Room 12, floor 2: lab')), { gentoo: true }) as WholeFile[];
  const services = f.content.match(/^pxe-service=.*$/gm) ?? [];
  assert.ok(services.length > 0);
  for (const s of services) assert.match(s, /,"Room 12, floor 2: lab",\/(undionly\.kpxe|ipxe\.efi),192\.0\.2\.1$/);
  accepted(f, f.content);
});

// ---- [[image]] name ---------------------------------------------------------------

const withImage = (name: string, serve = 'nbd', dir = '/var/lib/ltsp/images') =>
  `${HEAD}[nbd]\ndir = "${dir}"\n[[image]]\nname = "${name}"\nroot = "/srv/ltsp/gentoo"\nserve = "${serve}"\n`;

test('an NBD image named "generic" is refused: nbd-server.conf\'s own section', () => {
  const text = withImage('generic');
  const p = onlyProblem(text);
  assert.equal(p.key, 'image[1].name');
  assert.equal(p.position.line, lineOf(text, 'name = "generic"'));
  assert.equal(p.problem, '"generic" is the name of nbd-server\'s own section in nbd-server.conf, so the image would not be exported');
  assert.match(p.expected, /^expected another image name/);
  // served over NFS it is in no nbd-server.conf; nbd-server's section names are case-sensitive
  assert.equal(siteError(withImage('generic', 'nfs')), undefined);
  assert.equal(siteError(withImage('Generic')), undefined);
});

/** Runs nbd-server on `conf` in a network namespace of its own; true once it listens on `port`, false when it quits. */
function nbdServerListens(conf: string, address: string, port: number): { listening: boolean; log: string } {
  const ns = `ltsnbd${process.pid}`;
  const sh = `
		set -u
		ip netns add ${ns} || exit 3
		trap 'kill -9 $pid 2>/dev/null; ip netns delete ${ns}' EXIT
		ip -n ${ns} link set lo up
		ip -n ${ns} addr add ${address}/32 dev lo
		ip netns exec ${ns} nbd-server -C "$1" -d >"$2" 2>&1 &
		pid=$!
		n=0
		while [ $n -lt 100 ]; do
			ip netns exec ${ns} ss -ltnH "sport = :${port}" | grep -q . && exit 0
			kill -0 $pid 2>/dev/null || exit 1
			n=$((n + 1))
			sleep 0.1
		done
		exit 2`;
  const log = join(work, 'nbd-server.log');
  const r = spawnSync('sh', ['-c', sh, 'nbd-check', conf, log], { encoding: 'utf8', timeout: 60_000 });
  let text = '';
  try {
    text = spawnSync('cat', [log], { encoding: 'utf8' }).stdout;
  } catch {
    // no log: the namespace was not made
  }
  assert.ok(r.status === 0 || r.status === 1, `nbd-server check: status ${r.status}: ${r.stderr}${text}`);
  return { listening: r.status === 0, log: text };
}

test('nbd-server serves the generated file with an image named "Generic"', { skip: (!isRoot && 'needs root for a network namespace') || (!findProgram('nbd-server') && 'nbd-server is not installed') }, () => {
  const site = loadSite(withImage('Generic', 'nbd', work));
  writeFileSync(join(work, 'Generic.img'), Buffer.alloc(64 * 1024));
  const [conf] = nbdServer.plan(site, { gentoo: false }) as WholeFile[];
  assert.match(conf.content, /^\[Generic\]$/m);
  const file = join(work, 'nbd-server.conf');
  writeFileSync(file, conf.content.replace(`port = ${site.nbd.port}`, 'port = 10899'));
  const r = nbdServerListens(file, site.server.address, 10899);
  assert.ok(r.listening, `nbd-server quit:\n${r.log}`);
  // the check can fail: the same file with the export renamed [generic] is refused by nbd-server
  writeFileSync(file, conf.content.replace('[Generic]', '[generic]').replace(`port = ${site.nbd.port}`, 'port = 10899'));
  const refused = nbdServerListens(file, site.server.address, 10899);
  assert.equal(refused.listening, false);
  assert.match(refused.log, /No configured exports/);
});

// ---- host names as dnsmasq tags -------------------------------------------------------

test('dnsmasq: a host named "own" gets no tag the other hosts with a file of their own carry', () => {
  const text = `${HEAD}[boot]\nuefi = false\n[[host]]\nname = "own"\nmac = "02:1d:0e:00:00:31"\nfilename = "/own.0"\n[[host]]\nname = "ws2"\nmac = "02:1d:0e:00:00:32"\nfilename = "/ws2.0"\n`;
  const [f] = dnsmasq.plan(loadSite(text), { gentoo: true }) as WholeFile[];
  // the tags dnsmasq sets on each MAC, and the boot files of the services those tags select
  const tags = new Map((f.content.match(/^dhcp-host=.*$/gm) ?? []).map((l) => {
    const [mac, ...sets] = l.slice('dhcp-host='.length).split(',');
    return [mac, new Set(sets.map((s) => s.replace(/^set:/, '')))] as const;
  }));
  const filesFor = (mac: string) =>
    (f.content.match(/^pxe-service=.*$/gm) ?? [])
      .map((l) => l.slice('pxe-service='.length).split(','))
      .filter((fields) => fields.filter((x) => x.startsWith('tag:')).every((t) => (t.startsWith('tag:!') ? !tags.get(mac)!.has(t.slice(5)) : tags.get(mac)!.has(t.slice(4)))))
      .map((fields) => fields[fields.length - 2]);
  assert.deepEqual(filesFor('02:1d:0e:00:00:32'), ['/ws2.0']);
  assert.deepEqual(filesFor('02:1d:0e:00:00:31'), ['/own.0']);
});

// ---- every key at once, with the widest values validation lets through ------------------

/**
 * A site whose every string holds what its kind allows and some file's syntax could trip on:
 * "+" "_" "." "-" in paths, "@ + , : = /" in kernel parameters, a comma, "&", a later "-",
 * "!%()*?^~" and non-ASCII letters in text, host and group names that dhcpd could lex as
 * numbers (a group "101", a host "0x1g", which no resolver reads as an address), a
 * 15-character interface name with "." "_" "-".
 */
function widest(mode: string, boot = ''): string {
  return `
[server]
address   = "192.0.2.1"
interface = "br-lab_0.1-abcd"
hostname  = "ltsp-1"
[network]
subnet  = "192.0.2.0/24"
routers = ["192.0.2.254"]
dns     = ["192.0.2.254"]
domain  = "lab-1.example.org"
[dhcp]
mode  = "${mode}"
range = ["192.0.2.100", "192.0.2.199"]
[boot]
pxe_filename   = "/pxe+boot_1/pxe-linux.0"
etherboot_file = "/lts/vmlinuz-6.1.0+deb12_amd64"
kernel         = "/lts/vmlinuz-6.1.0+deb12_amd64"
initrd         = "/lts/initrd.img-6.1.0+deb12_amd64"
kernel_append  = "quiet vga=791 video=1024x768@60 ltsp.x=a,b:c/d+e"
serial_console = "ttyS1,115200n8"
menu_label     = "Room 12, floor 2: A&&B & C -x (Lab!) ~50% über"
timeout        = 50
${boot}
[tftp]
root = "/srv/tftp+boot_1.0"
[nfs]
root      = "/opt/ltsp+i386_x-1.0"
swapfiles = "/var/opt/ltsp/swap+files_1"
[syslog]
log_dir = "/var/log/ltsp+clients_1.d"
[lts.Default]
SCREEN_01 = "startx"
X_OPTIONS = "a=b, c:d (e) !%&*?^~ ü"
[[group]]
name = "101"
  [[group.host]]
  name          = "0x1g"
  mac           = "02:1d:0e:00:00:10"
  address       = "192.0.2.10"
  nic           = "3c509"
  io            = "0x300"
  mount_options = "nolock,ro,nfsvers=3,proto=tcp,port=2049"
  kernel_append = "ltspx.host=0x10"
  filename      = "/pxe+boot_1/other_1.0"
  [[group.host]]
  name      = "1e5"
  mac       = "02:1d:0e:00:00:11"
  address   = "192.0.2.11"
  dhcp_port = 1067
  nfsroot   = true
[[host]]
name = "own"
mac  = "02:1d:0e:00:00:12"
`;
}

test('the widest allowed values: dhcpd -t takes dhcpd.conf in every mode that runs one', { skip: !findProgram('dhcpd') && 'dhcpd is not installed' }, () => {
  for (const mode of ['primary', 'port-1067', 'nfsroot']) {
    const site = loadSite(widest(mode));
    const [f] = dhcpd.plan(site, { gentoo: true }) as WholeFile[];
    assert.match(f.content, /option option-129 "DPORT=1067 nfsroot=192\.0\.2\.1:\/opt\/ltsp\+i386_x-1\.0";/, mode);
    accepted(f, f.content);
  }
});

test('the widest allowed values: dnsmasq --test takes the proxyDHCP file, for pxelinux and iPXE', { skip: !findProgram('dnsmasq') && 'dnsmasq is not installed' }, () => {
  for (const boot of ['', 'loader = "ipxe"']) {
    const [f] = dnsmasq.plan(loadSite(widest('proxy', boot)), { gentoo: true }) as WholeFile[];
    assert.ok(f.content.includes('"Room 12, floor 2: A&&B & C -x (Lab!) ~50% über"'));
    accepted(f, f.content);
  }
});

test('the widest allowed values: nft -c and iptables-restore --test take the firewall rules', { skip: !isRoot && 'the firewall checkers need root' }, () => {
  const site = loadSite(widest('primary'));
  if (findProgram('nft')) {
    const [block] = firewall.plan(firewalled(site, 'nftables'), { gentoo: true }) as FileEdit[];
    accepted(block, block.edit(null));
  }
  if (findProgram('iptables-restore')) {
    const edit = iptablesEdit(firewalled(site, 'iptables'));
    accepted(edit, edit.edit(null));
  }
});

test('the widest allowed values: syslog-ng --syntax-only and lighttpd -t take their files', () => {
  const site = loadSite(widest('primary', 'loader = "ipxe"\n[http]\nenabled = true'));
  const [, ng] = syslogItems(site, 'syslog-ng') as WholeFile[];
  if (findProgram('syslog-ng')) accepted(ng, ng.content);
  const [conf] = httpd.plan(site, { gentoo: true }) as WholeFile[];
  assert.ok(conf.content.includes('server.document-root    = "/srv/tftp+boot_1.0"'));
  if (findProgram('lighttpd')) accepted(conf, conf.content);
});

test('the widest allowed values: the real exportfs -ra takes the exports', { skip: !isRoot && 'needs root for a private mount namespace' }, () => {
  const tool = exportfs();
  const file = join(work, 'ltsp-ts.exports');
  writeFileSync(file, renderExports(loadSite(widest('primary'))));
  const r = spawnSync('sh', [join(REPO, 'tests/support/exportfs-check.sh'), tool.bin, file], { encoding: 'utf8', env: tool.env, timeout: 60_000 });
  assert.equal(r.status, 0, `exportfs refused the exports:\n${r.stderr}`);
  assert.match(r.stdout, /^\/opt\/ltsp\+i386_x-1\.0\t192\.0\.2\.0\/24\(ro,/m);
});

/** The awk program of an image's /init that turns lts.conf into shell assignments. */
function ltsAwk(init: string): string {
  const m = /awk -v mac="\$mac" -v ip="\$IP" -v name="\$DHCP_HOSTNAME" '([^']*)' \/run\/ltsp\/lts\.conf/.exec(init);
  assert.ok(m, 'no lts.conf awk program in /init');
  return m[1];
}

test('the widest allowed values: lts.conf reaches an image client whole, through its /init (busybox awk, then sh)', { skip: !findProgram('busybox') && 'busybox is not installed' }, () => {
  const site = loadSite(`${widest('primary')}[lts.0x1g]\nSCREEN_01 = "shell"\n[[image]]\nname = "lab-1"\nroot = "/srv/ltsp/lab-1"\n`);
  const [lts] = ltsConf.plan(site, { gentoo: true }) as WholeFile[];
  // a value with "=" is quoted, so that both readers (LTSP's and the image's /init) take it whole
  assert.match(lts.content, /^X_OPTIONS = "a=b, c:d \(e\) !%&\*\?\^~ ü"$/m);
  const init = clientScripts(site, site.images[0])['/init'];
  const conf = join(work, 'lts.conf');
  writeFileSync(conf, lts.content);
  const awk = spawnSync('busybox', ['awk', '-v', 'mac=02:1d:0e:00:00:10', '-v', 'ip=192.0.2.10', '-v', 'name=0x1g', ltsAwk(init), conf], { encoding: 'utf8' });
  assert.equal(awk.status, 0, awk.stderr);
  const env = join(work, 'lts.env');
  writeFileSync(env, awk.stdout);
  const read = spawnSync('busybox', ['sh', '-c', '. "$1"; printf "%s|%s" "$LTS_X_OPTIONS" "$LTS_SCREEN_01"', 'sh', env], { encoding: 'utf8' });
  assert.equal(read.status, 0, read.stderr);
  assert.equal(read.stdout, 'a=b, c:d (e) !%&*?^~ ü|shell');
  // and the whole /init parses
  const file = join(work, 'init');
  writeFileSync(file, init);
  const n = spawnSync('busybox', ['sh', '-n', file], { encoding: 'utf8' });
  assert.equal(n.status, 0, n.stderr);
});

test('an image\'s /init drops a single quote from an lts.conf value (one that came over TFTP from elsewhere): nothing else, and nothing runs', { skip: !findProgram('busybox') && 'busybox is not installed' }, () => {
  const site = loadSite(`${widest('primary')}[[image]]\nname = "lab-1"\nroot = "/srv/ltsp/lab-1"\n`);
  const conf = join(work, 'spoofed-lts.conf');
  writeFileSync(conf, "[Default]\nSCREEN_01 = x'; touch " + join(work, 'pwned') + "; '\n");
  const awk = spawnSync('busybox', ['awk', '-v', 'mac=x', '-v', 'ip=x', '-v', 'name=', ltsAwk(clientScripts(site, site.images[0])['/init']), conf], { encoding: 'utf8' });
  const env = join(work, 'spoofed-lts.env');
  writeFileSync(env, awk.stdout);
  const read = spawnSync('busybox', ['sh', '-c', '. "$1"; printf "%s" "$LTS_SCREEN_01"', 'sh', env], { encoding: 'utf8' });
  assert.equal(read.stdout, `x; touch ${join(work, 'pwned')}; `);
  assert.equal(spawnSync('test', ['-e', join(work, 'pwned')]).status, 1, 'the value ran as a command');
});

// ---- host names the resolver reads as addresses ----------------------------------------

test('a host or server name that the resolver reads as an IPv4 address is refused, with its key and line', () => {
  const cases: [string, string][] = [['101', '0.0.0.101'], ['010', '0.0.0.8'], ['0x10', '0.0.0.16'], ['0XfF', '0.0.0.255'], ['4294967295', '255.255.255.255']];
  for (const [name, address] of cases) {
    const text = `${HEAD}[[host]]\nname = "${name}"\nmac = "02:1d:0e:00:00:40"\n`;
    const p = onlyProblem(text);
    assert.equal(p.key, 'host[1].name', name);
    assert.equal(p.position.line, lineOf(text, `name = "${name}"`));
    assert.equal(p.problem, `"${name}" is the address ${address} to the resolver, which never looks it up in /etc/hosts`);
    assert.match(p.expected, /^expected a name of its own: not localhost, an ip6- name or a number \(101, 0x10\)/);
  }
  const server = HEAD.replace('interface = "eth0"', 'interface = "eth0"\nhostname = "0x1f"');
  assert.equal(onlyProblem(server).key, 'server.hostname');
  // numbers inet_aton does not take are names: 09 (not octal), 0x (no digit), 2^32 and up
  for (const name of ['09', '0x', '4294967296', '1e5', '0x1g', 'ws101']) assert.equal(siteError(`${HEAD}[[host]]\nname = "${name}"\nmac = "02:1d:0e:00:00:40"\n`), undefined, name);
});

test('the resolver agrees: getent finds the hosts block\'s address for every allowed name, and inet_aton\'s for every refused one', { skip: !isRoot && 'needs root for a private mount namespace' }, () => {
  const names = ['101', '010', '0x10', '0xffffffff', '4294967295', '09', '0x', '4294967296', '1e5', '0x1g', 'ws101', '0777', '08'];
  const allowed = names.filter((n) => reservedNameProblem(n) === null);
  // the hosts block ltspcfg-ts writes for the allowed ones, and a line of the same form for each refused one
  const site = loadSite(`${HEAD}${allowed.map((n, i) => `[[host]]\nname = "${n}"\nmac = "02:1d:0e:00:01:${(16 + i).toString(16)}"\naddress = "192.0.2.${100 + i}"\n`).join('')}`);
  const [block] = hosts.plan(site, { gentoo: true }) as FileEdit[];
  const refusedLines = names.filter((n) => !allowed.includes(n)).map((n, i) => `192.0.2.${200 + i}\t${n}\n`).join('');
  const file = join(work, 'hosts');
  writeFileSync(file, `127.0.0.1\tlocalhost\n${block.edit(null)}${refusedLines}`);
  const script = 'mount --bind "$1" /etc/hosts || exit 3; shift; for n in "$@"; do printf "%s %s\\n" "$n" "$(getent ahostsv4 "$n" | head -n 1 | cut -d" " -f1)"; done';
  const r = spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', file, ...names], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  const got = new Map(r.stdout.trim().split('\n').map((l) => l.split(' ') as [string, string]));
  allowed.forEach((n, i) => assert.equal(got.get(n), `192.0.2.${100 + i}`, `${n}: allowed, so the hosts block must name it`));
  for (const n of names.filter((x) => !allowed.includes(x))) assert.equal(got.get(n), addressOfName(n), `${n}: refused as the address inet_aton makes of it`);
});
