// `ltspcfg-ts status` through the real CLI on staged roots with a fake portage
// vdb, runlevels and service scripts: exit codes and the next command, both in
// --json and in the table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, ltspcfg, scratch, type Run } from '../support/cli';

const WIKI = join(REPO, 'examples/wiki-sample.toml');

/** What the wiki's site needs, as installed versions (category/package-version). */
const EVERYTHING = [
  'net-misc/dhcp-4.4.3_p1-r6',
  'net-misc/ltsp-ts-0.1.0',
  'net-ftp/tftp-hpa-5.2-r3',
  'net-nds/rpcbind-1.2.7',
  'net-fs/nfs-utils-2.6.4-r9',
  'app-admin/syslog-ng-4.7.3',
  'x11-apps/xdm-1.1.16',
  'gui-libs/display-manager-init-1.1.3',
  'sys-boot/syslinux-6.04_pre1-r6',
];
const SERVICES = ['dhcpd.1067', 'ltsp-tftpd', 'rpcbind', 'nfs', 'syslog-ng', 'display-manager'];

interface Stage {
  packages?: string[];
  /** USE flags per category/package (default: a plausible set with dhcp's "server") */
  use?: Record<string, string>;
  /** services with a script in /etc/init.d */
  scripts?: string[];
  /** services linked into /etc/runlevels/default */
  runlevel?: string[];
  displayManager?: string;
  net?: string;
}

function stage(root: string, s: Stage): void {
  for (const cpv of s.packages ?? []) {
    const dir = join(root, 'var/db/pkg', cpv);
    mkdirSync(dir, { recursive: true });
    const cp = cpv.replace(/-\d.*$/, '');
    writeFileSync(join(dir, 'USE'), (s.use?.[cp] ?? (cp === 'net-misc/dhcp' ? 'amd64 client server ssl' : 'amd64')) + '\n');
    writeFileSync(join(dir, 'CONTENTS'), '');
  }
  mkdirSync(join(root, 'etc/init.d'), { recursive: true });
  mkdirSync(join(root, 'etc/runlevels/default'), { recursive: true });
  for (const svc of s.scripts ?? []) writeFileSync(join(root, 'etc/init.d', svc), '#!/sbin/openrc-run\n', { mode: 0o755 });
  for (const svc of s.runlevel ?? []) symlinkSync(`/etc/init.d/${svc}`, join(root, 'etc/runlevels/default', svc));
  mkdirSync(join(root, 'etc/conf.d'), { recursive: true });
  if (s.displayManager !== undefined) writeFileSync(join(root, 'etc/conf.d/display-manager'), `# the display manager to start\nDISPLAYMANAGER="${s.displayManager}"\n`);
  if (s.net !== undefined) writeFileSync(join(root, 'etc/conf.d/net'), s.net);
}

const complete: Stage = { packages: EVERYTHING, scripts: SERVICES, runlevel: SERVICES, displayManager: 'xdm', net: 'config_eth0="192.168.0.254/24"\nroutes_eth0="default via 192.168.0.1"\n' };

/** A root with the site's own copy of site.toml, so tests can change it. */
function siteRoot(s: Stage): { root: string; site: string } {
  const root = scratch('ltspcfg-status-');
  stage(root, s);
  const site = join(root, 'site.toml');
  copyFileSync(WIKI, site);
  return { root, site };
}

const cli = (root: string, site: string) => `ltspcfg-ts --gentoo --root ${root} --config ${site}`;
const status = (root: string, site: string, ...extra: string[]) => ltspcfg(['--gentoo', '--root', root, '--config', site, 'status', ...extra]);
const applyAll = (root: string, site: string) => {
  const r = ltspcfg(['--gentoo', '--root', root, '--config', site, 'apply', '--yes']);
  assert.equal(r.code, 0, `apply: ${r.stdout}${r.stderr}`);
};

interface JsonRow {
  next: string;
  steps: string[];
  health: string;
  state: string;
}
interface JsonService extends JsonRow {
  service: string;
  installed: boolean;
  runlevel: boolean;
  running: string;
  packages: { atom: string; installed: string | null; missing_use?: string[] }[];
}
interface JsonStatus {
  live: boolean;
  interfaces: (JsonRow & { name: string; site: boolean })[];
  services: JsonService[];
  packages: (JsonRow & { atom: string })[];
  files: (JsonRow & { path: string; target: string })[];
  next: string[];
  problems: number;
}

function json(r: Run): JsonStatus {
  assert.equal(r.stderr, '', 'nothing on stderr');
  return JSON.parse(r.stdout) as JsonStatus;
}
const service = (s: JsonStatus, name: string) => {
  const found = s.services.find((x) => x.service === name);
  assert.ok(found, `service ${name} in ${s.services.map((x) => x.service).join(', ')}`);
  return found;
};
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The table's rows (sections up to the plan): each must say what to do next. */
function tableRows(stdout: string): string[] {
  const end = stdout.search(/^(Next steps|Nothing to do)/m);
  assert.ok(end > 0, 'the table ends with the next steps or "Nothing to do"');
  const rows: string[] = [];
  let inSection = false;
  for (const line of stdout.slice(0, end).split('\n')) {
    if (/^\S.*:$/.test(line)) inSection = !line.startsWith('Status of');
    else if (line === '') inSection = false;
    else if (inSection && !/ NEXT$/.test(line)) rows.push(line);
  }
  return rows;
}

function assertEveryRowHasNext(stdout: string): void {
  const rows = tableRows(stdout);
  assert.ok(rows.length > 5, 'the table has rows');
  for (const row of rows) assert.match(row, / -> \S/, `a next step on: ${row}`);
}

test('nothing installed: exit 1, emerge first, then apply, then rc-update, in the JSON and the table', () => {
  const { root, site } = siteRoot({});
  const s = json(status(root, site, '--json'));
  assert.equal(status(root, site, '--json').code, 1);
  assert.equal(s.live, false);
  const nfs = service(s, 'nfs');
  assert.deepEqual([nfs.state, nfs.installed, nfs.runlevel, nfs.running], ['missing', false, false, 'unknown']);
  assert.equal(nfs.next, 'emerge --ask net-fs/nfs-utils');
  assert.deepEqual(nfs.steps, ['emerge --ask net-fs/nfs-utils', 'rc-update add nfs default']);
  assert.equal(service(s, 'dhcpd.1067').next, 'emerge --ask net-misc/dhcp net-misc/ltsp-ts');
  assert.equal(service(s, 'rpcbind').next, 'emerge --ask net-nds/rpcbind');
  assert.equal(s.packages.find((p) => p.atom === 'sys-boot/syslinux')?.next, 'emerge --ask sys-boot/syslinux');
  assert.ok(s.files.length > 0 && s.files.every((f) => f.state === 'missing' && f.next === `${cli(root, site)} apply`));

  // the plan: one emerge for everything, then apply, then the runlevels
  const emerge = s.next.findIndex((c) => c.startsWith('emerge --ask '));
  const apply = s.next.indexOf(`${cli(root, site)} apply`);
  const enable = s.next.indexOf('rc-update add nfs default');
  assert.ok(emerge >= 0 && emerge < apply && apply < enable, s.next.join('\n'));
  assert.equal(s.next.filter((c) => c.startsWith('emerge ')).length, 1, 'one emerge command');
  for (const atom of ['net-fs/nfs-utils', 'net-nds/rpcbind', 'net-misc/dhcp', 'app-admin/syslog-ng', 'sys-boot/syslinux']) assert.match(s.next[emerge], new RegExp(` ${escape(atom)}( |$)`));
  for (const svc of ['dhcpd.1067', 'ltsp-tftpd', 'rpcbind', 'nfs', 'syslog-ng']) assert.ok(s.next.includes(`rc-update add ${svc} default`), svc);
  assert.ok(!s.next.some((c) => c.startsWith('rc-service ')), 'a staged root runs nothing: no rc-service start');

  const table = status(root, site);
  assert.equal(table.code, 1);
  assert.match(table.stdout, /^ {2}nfs +missing +no +no +unknown +-> emerge --ask net-fs\/nfs-utils {2}\(not installed: net-fs\/nfs-utils; not in the default runlevel\)$/m);
  assert.match(table.stdout, /^ {2}sys-boot\/syslinux +missing +-> emerge --ask sys-boot\/syslinux /m);
  assert.match(table.stdout, new RegExp(`^ {2}missing +/opt/ltsp/i386/etc/lts\\.conf +-> ${escape(cli(root, site))} apply `, 'm'));
  assert.match(table.stdout, /^ +\d+\. rc-update add nfs default$/m);
  assertEveryRowHasNext(table.stdout);
});

test('installed but not in the default runlevel: rc-update add, and a dhcp without USE=server', () => {
  const { root, site } = siteRoot({ ...complete, runlevel: SERVICES.filter((x) => x !== 'nfs'), use: { 'net-misc/dhcp': 'amd64 client ssl' } });
  applyAll(root, site);
  const r = status(root, site, '--json');
  assert.equal(r.code, 1);
  const s = json(r);
  const nfs = service(s, 'nfs');
  assert.deepEqual([nfs.state, nfs.installed, nfs.runlevel], ['disabled', true, false]);
  assert.equal(nfs.next, 'rc-update add nfs default');
  const dhcpd = service(s, 'dhcpd.1067');
  assert.deepEqual(dhcpd.packages[0], { atom: 'net-misc/dhcp', installed: 'net-misc/dhcp-4.4.3_p1-r6', missing_use: ['server'] });
  assert.equal(dhcpd.next, "echo 'net-misc/dhcp server' >> /etc/portage/package.use/ltsp-ts && emerge --ask --changed-use net-misc/dhcp");
  assert.deepEqual(s.next, [dhcpd.next, 'rc-update add nfs default']);
  const table = status(root, site);
  assert.match(table.stdout, /^ {2}nfs +disabled +yes +no +unknown +-> rc-update add nfs default /m);
  assert.match(table.stdout, /^ {2}dhcpd\.1067 +missing +wrong USE +yes +unknown +-> echo 'net-misc\/dhcp server' >> /m);
});

test('everything installed, enabled and applied: exit 0; running is unknown on a staged root', () => {
  const { root, site } = siteRoot(complete);
  applyAll(root, site);
  const r = status(root, site, '--json');
  const s = json(r);
  assert.equal(r.code, 0, JSON.stringify(s.next));
  assert.equal(s.problems, 0);
  assert.deepEqual(s.next, []);
  assert.deepEqual(s.services.map((x) => x.service), SERVICES);
  for (const x of s.services) {
    assert.deepEqual([x.state, x.installed, x.runlevel, x.running, x.health], ['enabled', true, true, 'unknown', 'ok'], x.service);
    assert.equal(x.next, `nothing to do here; on the running server \`rc-service ${x.service} status\` tells if it runs`);
  }
  assert.deepEqual(s.interfaces.map((i) => [i.name, i.site, i.state, i.health]), [['eth0', true, 'configured', 'ok']]);
  assert.ok(s.files.every((f) => f.state === 'current' && f.next === 'nothing to do'), JSON.stringify(s.files.filter((f) => f.state !== 'current')));

  const table = status(root, site);
  assert.equal(table.code, 0);
  assert.match(table.stdout, /^ {2}nfs +enabled +yes +yes +unknown +-> nothing to do here; on the running server `rc-service nfs status` tells if it runs/m);
  assert.match(table.stdout, /^ {2}\* eth0 +configured +192\.168\.0\.254\/24 +-> nothing to do /m);
  assert.match(table.stdout, /^Nothing to do: everything the site needs is in place\.$/m);
  assertEveryRowHasNext(table.stdout);
});

test('one file edited by hand: drifted, exit 1, the diff first, then --force', () => {
  const { root, site } = siteRoot(complete);
  applyAll(root, site);
  appendFileSync(join(root, 'opt/ltsp/i386/etc/lts.conf'), 'XSERVER = nv\n');
  const r = status(root, site, '--json');
  assert.equal(r.code, 1);
  const s = json(r);
  assert.equal(s.problems, 1);
  const lts = s.files.find((f) => f.path === '/opt/ltsp/i386/etc/lts.conf');
  assert.equal(lts?.state, 'drifted');
  const prefix = cli(root, site);
  assert.equal(lts?.next, `${prefix} apply --diff (then ${prefix} apply --force to replace it; the old one is kept)`);
  assert.deepEqual(s.next, [`${prefix} apply --diff`, `${prefix} apply --force`]);
  const table = status(root, site);
  assert.equal(table.code, 1);
  assert.match(table.stdout, new RegExp(`^ {2}drifted +/opt/ltsp/i386/etc/lts\\.conf +-> ${escape(prefix)} apply --diff \\(then .*\\(lts\\.conf: edited by hand since ltspcfg-ts wrote it\\)$`, 'm'));
  assert.match(table.stdout, new RegExp(`^ +1\\. ${escape(prefix)} apply --diff\\n +2\\. ${escape(prefix)} apply --force$`, 'm'));
});

test('site.toml changed since the last apply: stale, exit 1, apply', () => {
  const { root, site } = siteRoot(complete);
  applyAll(root, site);
  writeFileSync(site, readFileSync(WIKI, 'utf8').replace('XSERVER = "vesa"', 'XSERVER = "vga"'));
  const r = status(root, site, '--json');
  assert.equal(r.code, 1);
  const s = json(r);
  const lts = s.files.find((f) => f.path === '/opt/ltsp/i386/etc/lts.conf');
  assert.equal(lts?.state, 'stale');
  assert.equal(lts?.next, `${cli(root, site)} apply`);
  assert.deepEqual(s.next, [`${cli(root, site)} apply`]);
  const table = status(root, site);
  assert.match(table.stdout, new RegExp(`^ {2}stale +/opt/ltsp/i386/etc/lts\\.conf +-> ${escape(cli(root, site))} apply {2}\\(lts\\.conf: site\\.toml changed since the last apply\\)$`, 'm'));
});

test('an unknown display manager is a clear line with what to do, never a crash', () => {
  const generic = 'set DISPLAYMANAGER to gdm, lightdm or xdm in /etc/conf.d/display-manager (or xdmcp.enabled = false in site.toml)';
  const cases = [
    { dm: 'sddm', packages: EVERYTHING.filter((p) => !p.startsWith('x11-apps/xdm-')), next: generic, why: 'display manager "sddm" (DISPLAYMANAGER in /etc/conf.d/display-manager) has no XDMCP support in ltsp-ts' },
    { dm: '', packages: EVERYTHING, next: 'set DISPLAYMANAGER="xdm" in /etc/conf.d/display-manager (x11-apps/xdm is installed)', why: 'DISPLAYMANAGER is not set in /etc/conf.d/display-manager' },
  ];
  for (const c of cases) {
    const { root, site } = siteRoot({ ...complete, packages: c.packages, displayManager: c.dm });
    applyAll(root, site);
    const r = status(root, site, '--json');
    assert.equal(r.code, 1, c.dm);
    const s = json(r);
    const x = service(s, 'display-manager');
    assert.equal(x.state, 'unsupported');
    assert.equal(x.next, c.next);
    assert.equal(s.next[0], x.next, 'edits come first in the plan');
    const table = status(root, site);
    assert.equal(table.code, 1);
    assert.equal(table.stderr, '');
    assert.match(table.stdout, new RegExp(`^ {2}display-manager +unsupported +yes +yes +unknown +-> ${escape(c.next)} {2}\\(${escape(c.why)}\\)$`, 'm'));
  }
});

test('site.toml names a display manager that DISPLAYMANAGER does not start', () => {
  const { root, site } = siteRoot({ ...complete, packages: [...EVERYTHING, 'gnome-base/gdm-46.2'], displayManager: 'lightdm' });
  writeFileSync(site, readFileSync(WIKI, 'utf8') + '\n[xdmcp]\ndisplay_manager = "gdm"\n');
  const s = json(status(root, site, '--json'));
  const x = service(s, 'display-manager');
  assert.equal(x.health, 'problem');
  assert.equal(x.next, 'set DISPLAYMANAGER="gdm" in /etc/conf.d/display-manager');
  assert.deepEqual(x.packages.map((p) => p.installed), ['gnome-base/gdm-46.2', 'gui-libs/display-manager-init-1.1.3']);
});

test('xdmcp off, firewall on: no display manager line, the firewall service instead', () => {
  const { root, site } = siteRoot(complete);
  writeFileSync(site, readFileSync(WIKI, 'utf8') + '\n[xdmcp]\nenabled = false\n\n[firewall]\nenabled = true\nbackend = "iptables"\n');
  const s = json(status(root, site, '--json'));
  assert.deepEqual(s.services.map((x) => x.service), ['dhcpd.1067', 'ltsp-tftpd', 'rpcbind', 'nfs', 'syslog-ng', 'iptables']);
  assert.equal(service(s, 'iptables').next, 'emerge --ask net-firewall/iptables');
});

test('the default action on an empty staged root: every status line tells the admin what to do next', () => {
  const root = scratch('ltspcfg-status-');
  const r = ltspcfg(['--gentoo', '--root', root, '--config', WIKI]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /^Status of the LTSP server under /);
  assert.match(r.stdout, /^Next steps, in order \(\d+ problem\(s\)\):$/m);
  assert.match(r.stdout, /^Plan for /m, 'then the apply plan');
  assertEveryRowHasNext(r.stdout);
  for (const section of ['Network interfaces', 'Services the site needs', 'Packages', 'Generated files']) assert.match(r.stdout, new RegExp(`^${section}.*:$`, 'm'));
});

test('on a terminal the table has colour and stays aligned; never with NO_COLOR or --no-color', { skip: !existsSync('/usr/bin/script') && 'needs script(1) for a terminal' }, () => {
  const { root, site } = siteRoot({ ...complete, runlevel: SERVICES.filter((x) => x !== 'nfs') });
  const onTty = (env: Record<string, string | undefined>, ...extra: string[]) =>
    spawnSync('script', ['-qec', `${process.execPath} ${join(REPO, 'dist/ltspcfg-ts.js')} --gentoo --root ${root} --config ${site} status ${extra.join(' ')}`, '/dev/null'], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: undefined, ...env },
    }).stdout.replace(/\r\n/g, '\n');
  const coloured = onTty({});
  assert.match(coloured, /\x1b\[31mdisabled *\x1b\[0m/, 'problems in red, padded inside the colour');
  assert.match(coloured, /\x1b\[32menabled *\x1b\[0m/, 'fine in green');
  // eslint-disable-next-line no-control-regex
  const plain = coloured.replace(/\x1b\[\d+m/g, '');
  assert.equal(plain, onTty({ NO_COLOR: '1' }), 'the same text without colour');
  assert.doesNotMatch(onTty({}, '--no-color'), /\x1b\[/);
  const rows = plain.split('\n').filter((l) => /^ {2}(nfs|rpcbind) /.test(l));
  assert.equal(rows.length, 2);
  assert.equal(rows[0].indexOf('->'), rows[1].indexOf('->'), 'columns line up');
});

test('a file in the TFTP tree that tftpd would refuse (not world-readable): exit 1, apply --only tftp-tree fixes it', { skip: process.getuid?.() !== 0 && 'needs root to hand the tree to nobody' }, () => {
  const { root, site } = siteRoot(complete);
  // Gentoo's nobody:nobody, so that apply hands the tree over (without them a staged tree is left alone)
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/var/empty:/sbin/nologin\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnobody:x:65534:\n');
  applyAll(root, site);
  mkdirSync(join(root, 'tftpboot/lts'), { recursive: true });
  writeFileSync(join(root, 'tftpboot/lts/vmlinuz-2.6.20.9-ltsp'), 'kernel', { mode: 0o600 });
  const r = status(root, site, '--json');
  assert.equal(r.code, 1);
  const s = json(r);
  const tree = s.files.find((f) => f.path === '/tftpboot' && f.state !== 'current');
  assert.equal(tree?.state, 'unreadable');
  assert.match((tree as unknown as { detail: string }).detail, /^the tree: 1 of \d+ entries not world-readable \(lts\/vmlinuz-2\.6\.20\.9-ltsp\); tftpd refuses them$/);
  const fix = `${cli(root, site)} apply --only tftp-tree`;
  assert.equal(tree?.next, fix);
  assert.deepEqual(s.next, [fix]);
  const table = status(root, site);
  assert.match(table.stdout, new RegExp(`^ {2}unreadable +/tftpboot/\\* +-> ${escape(fix)} {2}\\(tftp-tree: the tree: 1 of`, 'm'));
  // without --yes and without a terminal nothing changes, the tree included
  const noTty = ltspcfg(['--gentoo', '--root', root, '--config', site, 'apply', '--only', 'tftp-tree'], { stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(noTty.code, 0, noTty.stderr);
  assert.match(noTty.stdout, /the owner and mode of the TFTP tree are fixed with --yes\./);
  assert.equal(statSync(join(root, 'tftpboot/lts/vmlinuz-2.6.20.9-ltsp')).mode & 0o777, 0o600, 'left as it was');
  const applied = ltspcfg(['--gentoo', '--root', root, '--config', site, 'apply', '--only', 'tftp-tree', '--yes']);
  assert.equal(applied.code, 0, applied.stderr);
  assert.equal(statSync(join(root, 'tftpboot/lts/vmlinuz-2.6.20.9-ltsp')).mode & 0o777, 0o644);
  assert.equal(status(root, site).code, 0, 'fixed');
});
