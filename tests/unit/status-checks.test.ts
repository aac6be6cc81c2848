// The status checks as pure functions over facts, and the readers in
// src/system/gentoo.ts over staged files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSite } from '../../src/site/load';
import type { Site } from '../../src/site/types';
import { SystemRoot } from '../../src/system/fsroot';
import { checkTree } from '../../src/system/treecheck';
import { installedVersions, readDisplayManager, readNetifrc, serviceState, shellVariable, whyNotLive, type InstalledPackage } from '../../src/system/gentoo';
import { checkInterfaces } from '../../src/status/interfaces';
import { checkPackage } from '../../src/status/packages';
import { checkService, requiredServices } from '../../src/status/services';
import { planSteps } from '../../src/status/report';
import type { SystemFacts } from '../../src/status/types';
import { REPO, scratch } from '../support/cli';

const example = (name: string, extra = ''): Site => {
  const file = join(REPO, 'examples', `${name}.toml`);
  return parseSite(readFileSync(file, 'utf8') + extra, file).site;
};

const pkg = (cpv: string, use: string[] | null = []): InstalledPackage => ({ cpv, version: cpv.replace(/^.*?-(?=\d)/, ''), use });

function facts(over: Partial<SystemFacts> = {}): SystemFacts {
  return { packages: {}, runlevel: [], initScripts: {}, running: {}, notLive: 'a staged root', displayManager: { exists: false, value: null }, interfaces: null, netifrc: null, ...over };
}

test('the services each dhcp.mode and tftp.launcher needs', () => {
  const names = (site: Site, f = facts()) => requiredServices(site, f).map((n) => n.service);
  assert.deepEqual(names(example('wiki-sample')), ['dhcpd.1067', 'ltsp-tftpd', 'rpcbind', 'nfs', 'syslog-ng', 'display-manager']);
  const primary = example('primary');
  assert.equal(names(primary)[0], 'dhcpd');
  assert.deepEqual(requiredServices(primary, facts())[0].packages, [{ atom: 'net-misc/dhcp', use: ['server'] }]);
  assert.equal(names(example('nfsroot'))[0], 'dhcpd.1067');
  assert.equal(requiredServices(example('nfsroot'), facts())[0].provider, 'net-misc/ltsp-ts', 'dhcpd.1067 comes with ltsp-ts');
  assert.equal(names(example('proxy'))[0], 'dnsmasq');
  assert.equal(requiredServices(example('proxy'), facts())[0].packages[0].atom, 'net-dns/dnsmasq');
  assert.ok(!names(example('none')).some((n) => /dhcp|dnsmasq/.test(n)), 'dhcp.mode none: no DHCP service');
  const viaXinetd = parseSite(readFileSync(join(REPO, 'examples/wiki-sample.toml'), 'utf8').replace('[tftp]\n', '[tftp]\nlauncher = "xinetd"\n'), 'x.toml').site;
  const tftp = requiredServices(viaXinetd, facts()).find((n) => n.service === 'xinetd');
  assert.deepEqual(tftp?.packages.map((p) => p.atom), ['sys-apps/xinetd', 'net-ftp/tftp-hpa']);
  const nft = example('wiki-sample', '\n[firewall]\nenabled = true\n');
  assert.equal(names(nft).at(-1), 'nftables');
});

test('syslog.daemon: site.toml, else the platform detection (as the syslog target), else syslog-ng', () => {
  const site = example('wiki-sample');
  const both = { 'app-admin/rsyslog': [pkg('app-admin/rsyslog-8.2404.0')], 'app-admin/sysklogd': [pkg('app-admin/sysklogd-2.5.2')] };
  const logger = (s: Site, f: SystemFacts) => requiredServices(s, f).find((n) => n.role.startsWith("the clients' logs"))!;
  assert.equal(logger(site, facts()).service, 'syslog-ng');
  assert.equal(logger(site, facts({ packages: both })).service, 'syslog-ng', 'several installed, none detected: what the target configures');
  assert.match(logger(site, facts({ packages: both })).role, /none or several detected/);
  assert.equal(logger(site, facts({ packages: both, platformSyslog: 'rsyslog' })).service, 'rsyslog');
  assert.match(logger(site, facts({ packages: both, platformSyslog: 'rsyslog' })).role, /\(detected\)/);
  const named = example('wiki-sample', '\n[syslog]\ndaemon = "sysklogd"\n');
  assert.equal(logger(named, facts({ platformSyslog: 'rsyslog' })).service, 'sysklogd');
  assert.match(logger(named, facts({ platformSyslog: 'rsyslog' })).role, /syslog\.daemon in site\.toml/);
  assert.deepEqual(logger(named, facts()).conflicts.map((c) => c.service), ['syslog-ng', 'rsyslog']);
});

test('a service: missing, disabled, stopped, crashed, running; start steps only where OpenRC runs', () => {
  const site = example('wiki-sample');
  const nfsNeed = requiredServices(site, facts()).find((n) => n.service === 'nfs')!;
  const installed = { 'net-fs/nfs-utils': [pkg('net-fs/nfs-utils-2.6.4')] };
  const check = (f: Partial<SystemFacts>) => checkService(nfsNeed, facts(f));
  assert.deepEqual(check({}).steps.map((s) => s.command), ['emerge --ask net-fs/nfs-utils', 'rc-update add nfs default']);
  assert.equal(check({ packages: installed, initScripts: { nfs: false } }).next, 'emerge --ask --oneshot net-fs/nfs-utils', 'a package without its service script');
  const live = { notLive: null, packages: installed, initScripts: { nfs: true }, runlevel: ['nfs'] };
  assert.deepEqual([check({ ...live, running: { nfs: 'started' } }).state, check({ ...live, running: { nfs: 'started' } }).next], ['running', 'nothing to do']);
  const stopped = check({ ...live, running: { nfs: 'stopped' } });
  assert.deepEqual([stopped.state, stopped.health, stopped.next], ['stopped', 'problem', 'rc-service nfs start']);
  assert.equal(check({ ...live, running: { nfs: 'crashed' } }).next, 'rc-service nfs restart');
  const fresh = check({ notLive: null });
  assert.deepEqual(fresh.steps.map((s) => s.command), ['emerge --ask net-fs/nfs-utils', 'rc-update add nfs default', 'rc-service nfs start']);
  const staged = check({ packages: installed, runlevel: ['nfs'] });
  assert.deepEqual([staged.state, staged.health, staged.steps], ['enabled', 'ok', []]);
});

test('packages: USE flags from the vdb, several slots, a vdb entry without USE', () => {
  const dhcp = { atom: 'net-misc/dhcp', use: ['server'] };
  assert.equal(checkPackage(dhcp, facts({ packages: { 'net-misc/dhcp': [pkg('net-misc/dhcp-4.4.3', ['client', 'server'])] } })).health, 'ok');
  const noServer = checkPackage(dhcp, facts({ packages: { 'net-misc/dhcp': [pkg('net-misc/dhcp-4.4.3', ['client'])] } }));
  assert.deepEqual([noServer.health, noServer.missingUse], ['problem', ['server']]);
  assert.equal(checkPackage(dhcp, facts({ packages: { 'net-misc/dhcp': [pkg('net-misc/dhcp-4.4.3', null)] } })).health, 'ok', 'no USE file: no claim');
  const slots = { 'net-misc/dhcp': [pkg('net-misc/dhcp-4.4.2', ['client']), pkg('net-misc/dhcp-4.4.3', ['server'])] };
  assert.equal(checkPackage(dhcp, facts({ packages: slots })).installed, 'net-misc/dhcp-4.4.3');
});

test('the plan: edits, one emerge, apply, rc-update, rc-service; no repeats; --force replaces a plain apply', () => {
  const plan = planSteps([
    { phase: 'start', command: 'rc-service nfs start' },
    { phase: 'enable', command: 'rc-update add nfs default' },
    { phase: 'install', command: 'emerge --ask net-fs/nfs-utils', atoms: ['net-fs/nfs-utils'] },
    { phase: 'configure', command: 'ltspcfg-ts apply' },
    { phase: 'install', command: 'emerge --ask net-nds/rpcbind net-fs/nfs-utils', atoms: ['net-nds/rpcbind', 'net-fs/nfs-utils'] },
    { phase: 'configure', command: 'ltspcfg-ts apply' },
    { phase: 'edit', command: 'set DISPLAYMANAGER to gdm, lightdm or xdm in /etc/conf.d/display-manager' },
  ]);
  assert.deepEqual(plan, [
    'set DISPLAYMANAGER to gdm, lightdm or xdm in /etc/conf.d/display-manager',
    'emerge --ask net-fs/nfs-utils net-nds/rpcbind',
    'ltspcfg-ts apply',
    'rc-update add nfs default',
    'rc-service nfs start',
  ]);
  assert.deepEqual(planSteps([
    { phase: 'configure', command: 'ltspcfg-ts apply' },
    { phase: 'configure', command: 'ltspcfg-ts apply --diff' },
    { phase: 'configure', command: 'ltspcfg-ts apply --force' },
  ]), ['ltspcfg-ts apply --diff', 'ltspcfg-ts apply --force']);
});

test('interfaces on the live system: absent, address elsewhere, address missing, link down, fine', () => {
  const site = example('wiki-sample'); // eth0, 192.168.0.254, /24
  const lo = { name: 'lo', state: 'unknown', addresses: ['127.0.0.1/8'] };
  const rows = (interfaces: SystemFacts['interfaces'], netifrc: SystemFacts['netifrc'] = null) => checkInterfaces(site, facts({ interfaces, netifrc, notLive: null }));

  const absent = rows([lo, { name: 'enp3s0', state: 'up', addresses: [] }]);
  assert.deepEqual([absent[0].name, absent[0].site, absent[0].state, absent[0].health], ['eth0', true, 'absent', 'problem']);
  assert.equal(absent[0].next, 'set server.interface in site.toml to one of: enp3s0');
  assert.deepEqual(absent.slice(1).map((r) => [r.name, r.next]), [['lo', 'nothing to do'], ['enp3s0', 'nothing to do']]);

  const elsewhere = rows([lo, { name: 'enp3s0', state: 'up', addresses: ['192.168.0.254/24'] }]);
  assert.equal(elsewhere[0].next, 'set server.interface = "enp3s0" in site.toml (it has 192.168.0.254)');

  const bare = rows([lo, { name: 'eth0', state: 'up', addresses: ['10.1.1.1/8'] }]);
  assert.equal(bare[0].health, 'problem');
  assert.deepEqual(bare[0].steps.map((s) => s.command), ['add config_eth0="192.168.0.254/24" to /etc/conf.d/net (keeps it across reboots)', 'ip addr add 192.168.0.254/24 dev eth0']);
  const persisted = rows([{ name: 'eth0', state: 'up', addresses: [] }], { eth0: ['192.168.0.254/24'] });
  assert.deepEqual(persisted[0].steps.map((s) => s.command), ['ip addr add 192.168.0.254/24 dev eth0'], 'already in /etc/conf.d/net');

  const down = rows([{ name: 'eth0', state: 'down', addresses: ['192.168.0.254/24'] }]);
  assert.deepEqual([down[0].health, down[0].next], ['problem', 'ip link set dev eth0 up']);

  const fine = rows([lo, { name: 'eth0', state: 'up', addresses: ['192.168.0.254/24'] }]);
  assert.deepEqual([fine[0].health, fine[0].next, fine[0].detail], ['ok', 'nothing to do', 'server.interface, has server.address 192.168.0.254']);
});

test('interfaces on a staged root: netifrc configuration only, never a problem', () => {
  const site = example('wiki-sample');
  const staged = (netifrc: SystemFacts['netifrc']) => checkInterfaces(site, facts({ netifrc }))[0];
  assert.deepEqual([staged(null).health, staged(null).next], ['unknown', 'on the server, `ip -o -4 addr show dev eth0` should list 192.168.0.254/24']);
  assert.deepEqual([staged({ eth0: ['192.168.0.254/24'] }).health, staged({ eth0: ['192.168.0.254/24'] }).state], ['ok', 'configured']);
  assert.equal(staged({ eth0: ['10.0.0.1/8'] }).next, 'add 192.168.0.254/24 to config_eth0 in /etc/conf.d/net');
});

test('the vdb reader: versions, USE, names that only share a prefix, unfinished merges', () => {
  const root = scratch('ltspcfg-vdb-');
  for (const d of ['net-misc/dhcp-4.4.3_p1-r6', 'net-misc/dhcpcd-10.0.6', 'net-misc/-MERGING-dhcp-4.4.3', 'net-misc/dhcp-helper-1.2', 'sys-boot/syslinux-6.04_pre1-r6']) mkdirSync(join(root, 'var/db/pkg', d), { recursive: true });
  writeFileSync(join(root, 'var/db/pkg/net-misc/dhcp-4.4.3_p1-r6/USE'), 'amd64 client server\n');
  const sys = new SystemRoot(root);
  assert.deepEqual(installedVersions(sys, 'net-misc/dhcp'), [{ cpv: 'net-misc/dhcp-4.4.3_p1-r6', version: '4.4.3_p1-r6', use: ['amd64', 'client', 'server'] }]);
  assert.deepEqual(installedVersions(sys, 'sys-boot/syslinux').map((p) => [p.version, p.use]), [['6.04_pre1-r6', null]]);
  assert.deepEqual(installedVersions(sys, 'net-fs/nfs-utils'), []);
  assert.deepEqual(installedVersions(sys, 'app-admin/syslog-ng'), [], 'no category directory');
});

test('conf.d readers: DISPLAYMANAGER and config_<iface>, quoted or not, last one wins', () => {
  assert.equal(shellVariable('# DISPLAYMANAGER="gdm"\nDISPLAYMANAGER="xdm"\n', 'DISPLAYMANAGER'), 'xdm');
  assert.equal(shellVariable("DISPLAYMANAGER='lightdm' # mine\n", 'DISPLAYMANAGER'), 'lightdm');
  assert.equal(shellVariable('DISPLAYMANAGER=gdm\nDISPLAYMANAGER=sddm\n', 'DISPLAYMANAGER'), 'sddm');
  assert.equal(shellVariable('XDISPLAYMANAGER=gdm\n', 'DISPLAYMANAGER'), null);
  const root = scratch('ltspcfg-confd-');
  const sys = new SystemRoot(root);
  assert.deepEqual(readDisplayManager(sys), { exists: false, value: null });
  mkdirSync(join(root, 'etc/conf.d/display-manager'), { recursive: true });
  assert.deepEqual(readDisplayManager(sys), { exists: false, value: null }, 'unreadable (a directory): no answer, no error');
  rmSync(join(root, 'etc/conf.d/display-manager'), { recursive: true });
  writeFileSync(join(root, 'etc/conf.d/display-manager'), 'CHECKVT=7\nDISPLAYMANAGER=""\n');
  assert.deepEqual(readDisplayManager(sys), { exists: true, value: null });
  // as Gentoo's display-manager service reads it: any case, a program by its path
  for (const [written, name] of [['GDM', 'gdm'], ['"/usr/sbin/lightdm"', 'lightdm'], ['" LightDM "', 'lightdm'], ['/usr/bin/xdm', 'xdm'], ['" "', null]]) {
    writeFileSync(join(root, 'etc/conf.d/display-manager'), `DISPLAYMANAGER=${written}\n`);
    assert.deepEqual(readDisplayManager(sys), { exists: true, value: name }, written!);
  }
  assert.equal(readNetifrc(sys), null);
  writeFileSync(join(root, 'etc/conf.d/net'), 'config_eth0="192.168.0.254/24 10.0.0.1/8"\nconfig_eth1=( "198.51.100.1/24"\n  "198.51.100.2/24" )\nconfig_wlan0="dhcp"\n');
  assert.deepEqual(readNetifrc(sys), { eth0: ['192.168.0.254/24', '10.0.0.1/8'], eth1: ['198.51.100.1/24', '198.51.100.2/24'], wlan0: [] });
});

test('running states are unknown on a staged root, without asking rc-service', () => {
  const sys = new SystemRoot(scratch('ltspcfg-live-'));
  assert.match(whyNotLive(sys) ?? '', /^a staged root/);
  assert.equal(serviceState(sys, 'nfs'), 'unknown');
});

test('services that would fight over a port or /dev/log: rc-update del, and stop where OpenRC runs', () => {
  const site = example('wiki-sample');
  const installed = {
    'net-ftp/tftp-hpa': [pkg('net-ftp/tftp-hpa-5.2-r3')],
    'net-misc/ltsp-ts': [pkg('net-misc/ltsp-ts-0.1.0')],
    'app-admin/syslog-ng': [pkg('app-admin/syslog-ng-4.7.3')],
  };
  const f = facts({ packages: installed, runlevel: ['ltsp-tftpd', 'in.tftpd', 'syslog-ng', 'rsyslog'] });
  const needs = requiredServices(site, f);
  const tftpd = checkService(needs.find((n) => n.service === 'ltsp-tftpd')!, f);
  assert.deepEqual([tftpd.state, tftpd.health, tftpd.next], ['conflict', 'problem', 'rc-update del in.tftpd default']);
  assert.match(tftpd.detail, /^in\.tftpd is in the default runlevel and would take TFTP port 69 too/);
  const logger = checkService(needs.find((n) => n.service === 'syslog-ng')!, f);
  assert.deepEqual(logger.steps.map((s) => s.command), ['rc-update del rsyslog default']);

  const live = facts({ notLive: null, packages: installed, runlevel: ['ltsp-tftpd'], running: { 'ltsp-tftpd': 'stopped', 'in.tftpd': 'started' } });
  const running = checkService(requiredServices(site, live).find((n) => n.service === 'ltsp-tftpd')!, live);
  assert.deepEqual(running.steps.map((s) => s.command), ['rc-service in.tftpd stop', 'rc-service ltsp-tftpd start']);
  assert.deepEqual(planSteps(running.steps), ['rc-service in.tftpd stop', 'rc-service ltsp-tftpd start'], 'stop the other one first');

  const viaXinetd = parseSite(readFileSync(join(REPO, 'examples/wiki-sample.toml'), 'utf8').replace('[tftp]\n', '[tftp]\nlauncher = "xinetd"\n'), 'x.toml').site;
  const xf = facts({ runlevel: ['ltsp-tftpd'] });
  const xinetd = checkService(requiredServices(viaXinetd, xf).find((n) => n.service === 'xinetd')!, xf);
  assert.ok(xinetd.steps.some((s) => s.command === 'rc-update del ltsp-tftpd default'));
});

test('display manager: auto with none chosen names the one installed, if only one is', () => {
  const site = example('wiki-sample');
  const f = facts({ packages: { 'x11-misc/lightdm': [pkg('x11-misc/lightdm-1.32.0')] } });
  const dm = checkService(requiredServices(site, f).find((n) => n.service === 'display-manager')!, f);
  assert.equal(dm.next, 'set DISPLAYMANAGER="lightdm" in /etc/conf.d/display-manager (x11-misc/lightdm is installed)');
  const known = facts({ displayManager: { exists: true, value: 'gdm' } });
  const gdm = requiredServices(site, known).find((n) => n.service === 'display-manager')!;
  assert.deepEqual(gdm.packages.map((p) => p.atom), ['gnome-base/gdm', 'gui-libs/display-manager-init']);
  assert.deepEqual(gdm.issues, []);
});

test('display manager: DISPLAYMANAGER as read (a name); xdm is what runs when it is unset', () => {
  const dmOf = (site: Site, value: string | null) => {
    const f = facts({ displayManager: { exists: true, value } });
    return checkService(requiredServices(site, f).find((n) => n.service === 'display-manager')!, f);
  };
  const auto = example('wiki-sample');
  assert.deepEqual(dmOf(auto, 'gdm').packages.map((p) => p.atom), ['gnome-base/gdm', 'gui-libs/display-manager-init']);
  assert.deepEqual(dmOf(auto, 'lightdm').packages.map((p) => p.atom), ['x11-misc/lightdm', 'gui-libs/display-manager-init']);
  const xdm = example('wiki-sample', '\n[xdmcp]\ndisplay_manager = "xdm"\n');
  assert.ok(!dmOf(xdm, null).steps.some((s) => s.phase === 'edit'), 'xdm named and DISPLAYMANAGER unset: fine');
  const gdm = example('wiki-sample', '\n[xdmcp]\ndisplay_manager = "gdm"\n');
  assert.equal(dmOf(gdm, null).next, 'set DISPLAYMANAGER="gdm" in /etc/conf.d/display-manager');
  assert.equal(dmOf(gdm, 'gdm').steps.filter((s) => s.phase === 'edit').length, 0);
});

test('dhcpd.1067 whatever dhcp.port says, and an instance link (dhcpd.1067.eth1) in the runlevel does the job', () => {
  const site = parseSite(readFileSync(join(REPO, 'examples/wiki-sample.toml'), 'utf8').replace('port = 1067', 'port = 1167'), 'p.toml').site;
  assert.equal(site.dhcp.port, 1167);
  const installed = { 'net-misc/dhcp': [pkg('net-misc/dhcp-4.4.3', ['server'])], 'net-misc/ltsp-ts': [pkg('net-misc/ltsp-ts-0.1.0')] };
  const need = requiredServices(site, facts())[0];
  assert.equal(need.service, 'dhcpd.1067');
  const f = facts({ notLive: null, packages: installed, initScripts: { 'dhcpd.1067': true }, runlevel: ['dhcpd.1067.eth1'], running: { 'dhcpd.1067.eth1': 'stopped' } });
  const s = checkService(need, f);
  assert.deepEqual([s.service, s.runlevel, s.running, s.next], ['dhcpd.1067.eth1', true, 'stopped', 'rc-service dhcpd.1067.eth1 start']);
  const none = checkService(need, facts({ packages: installed, runlevel: ['dhcpd'] }));
  assert.deepEqual([none.service, none.next], ['dhcpd.1067', 'rc-update add dhcpd.1067 default'], 'plain dhcpd is another service');
});

test('the TFTP tree check: unreadable files and closed directories, symlinks not followed, bounded', () => {
  const root = scratch('ltspcfg-tree-');
  chmodSync(root, 0o755);
  const outside = scratch('ltspcfg-outside-');
  writeFileSync(join(outside, 'secret'), 'x', { mode: 0o600 });
  mkdirSync(join(root, 'pxelinux.cfg'));
  writeFileSync(join(root, 'pxelinux.0'), 'x', { mode: 0o644 });
  writeFileSync(join(root, 'pxelinux.cfg/default'), 'x', { mode: 0o640 });
  symlinkSync(outside, join(root, 'elsewhere'));
  symlinkSync(join(outside, 'secret'), join(root, 'secret'));
  assert.deepEqual(checkTree(root), { seen: 6, unreadable: 1, example: 'pxelinux.cfg/default', truncated: false });
  mkdirSync(join(root, 'closed'), { mode: 0o700 });
  writeFileSync(join(root, 'closed/inside'), 'x', { mode: 0o600 });
  assert.equal(checkTree(root)?.unreadable, 2, 'a closed directory counts once, its inside is not read');
  assert.equal(checkTree(root, 3)?.truncated, true);
  assert.equal(checkTree(join(root, 'missing')), null);
  assert.equal(checkTree(join(root, 'pxelinux.0')), null);
});
