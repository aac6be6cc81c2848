// The parsers and diagnoses of `clients` / `trace`, on lines as the real daemons
// write them (copied from the lab's logs: ISC dhcpd 4.4.3, tftp-hpa 5.2 with -v -v,
// busybox syslogd and syslog-ng framing; rpc.mountd's from nfs-utils' messages,
// which this machine's kernel cannot run) and on the event model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSyslogLine } from '../../src/clients/syslogline';
import { clientEvent, serverEvent, type LogEvent } from '../../src/clients/events';
import { clientRows, type ServerFacts } from '../../src/clients/boots';
import { parseSite } from '../../src/site/load';
import { siteHead } from '../support/site';
import { nftDrops } from '../../src/clients/nftverdict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serverLogs } from '../../src/clients/serverlogs';
import { ltspcfg, scratch } from '../support/cli';

const NOW = new Date(2026, 11, 1, 16, 0, 0).getTime();

const SITE = parseSite(
  Buffer.from(`${siteHead({ dhcp: 'primary', range: ['192.0.2.100', '192.0.2.149'] })}[boot]
pxe_filename = "/pxelinux.0"
kernel = "/lts/vmlinuz"
initrd = "/lts/initramfs.gz"
[tftp]
root = "/srv/tftp"
[[host]]
name = "ws1"
mac = "02:00:5e:00:00:21"
address = "192.0.2.21"
[[host]]
name = "ws2"
mac = "02:00:5e:00:00:22"
`),
  'site.toml',
).site;

const facts = (over: Partial<ServerFacts> = {}): ServerFacts => ({
  services: () => ({}),
  nearest: () => null,
  tftpFile: (p) => ({ path: `/srv/tftp/${p.replace(/^\/+/, '')}`, stat: null }),
  cli: 'ltspcfg-ts',
  now: NOW,
  ...over,
});

function events(text: string, file = '/var/log/messages'): LogEvent[] {
  return text
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .map((l) => serverEvent(parseSyslogLine(l, NOW) ?? assert.fail(`unparsed: ${l}`), file, l));
}

const rowOf = (rows: ReturnType<typeof clientRows>, key: string) => rows.find((r) => r.name === key || r.mac === key || r.address === key);

test('syslog framings: traditional, busybox with facility.priority, ISO; the year of a traditional date', () => {
  const a = parseSyslogLine('Dec  1 15:15:07 vm daemon.info dhcpd[29398]: DHCPDISCOVER from 02:00:5e:00:00:21 via ltsi359a', NOW);
  assert.equal(a?.program, 'dhcpd');
  assert.equal(a?.pid, 29398);
  assert.equal(a?.message, 'DHCPDISCOVER from 02:00:5e:00:00:21 via ltsi359a');
  assert.equal(a?.time, new Date(2026, 11, 1, 15, 15, 7).getTime());
  const b = parseSyslogLine('Nov 30 23:59:59 ltsp in.tftpd[2210]: RRQ from 192.0.2.21 filename /pxelinux.0', NOW);
  assert.equal(b?.host, 'ltsp');
  assert.equal(b?.message, 'RRQ from 192.0.2.21 filename /pxelinux.0');
  const c = parseSyslogLine('2026-12-01T15:00:00.250+00:00 ltsp dnsmasq-dhcp[77]: PXE(eth0) 02:00:5e:00:00:99 proxy-ignored', NOW);
  assert.equal(c?.time, Date.UTC(2026, 11, 1, 15, 0, 0, 250));
  assert.equal(c?.program, 'dnsmasq-dhcp');
  // read on 1 January, a line of 31 December is last year's
  const jan = new Date(2027, 0, 1, 0, 5).getTime();
  assert.equal(parseSyslogLine('Dec 31 23:59:00 h x: y', jan)?.time, new Date(2026, 11, 31, 23, 59).getTime());
  assert.equal(parseSyslogLine('garbage without a date', NOW), null);
});

test('dhcpd, dnsmasq, in.tftpd and rpc.mountd lines become events', () => {
  const [d, o, r, a, f] = events(`
    Dec  1 15:15:07 vm daemon.info dhcpd[29398]: DHCPDISCOVER from 02:00:5e:00:00:21 via ltsi359a
    Dec  1 15:15:07 vm daemon.info dhcpd[29398]: DHCPOFFER on 192.0.2.21 to 02:00:5e:00:00:21 via ltsi359a
    Dec  1 15:15:07 vm daemon.info dhcpd[29398]: DHCPREQUEST for 192.0.2.21 (192.0.2.1) from 02:00:5e:00:00:21 via ltsi359a
    Dec  1 15:15:07 vm daemon.info dhcpd[29398]: DHCPACK on 192.0.2.21 to 02:00:5e:00:00:21 via ltsi359a
    Dec  1 15:15:08 vm daemon.info dhcpd[29398]: DHCPREQUEST for 192.0.2.120 (192.0.2.2) from 02:00:5e:00:00:24 via ltscl1a: lease 192.0.2.120 unavailable.
  `);
  assert.deepEqual([d.kind, d.mac], ['dhcp-discover', '02:00:5e:00:00:21']);
  assert.deepEqual([o.kind, o.ip], ['dhcp-offer', '192.0.2.21']);
  assert.deepEqual([r.kind, r.serverId], ['dhcp-request', '192.0.2.1']);
  assert.equal(a.kind, 'dhcp-ack');
  assert.deepEqual([f.kind, f.serverId, f.why], ['dhcp-request', '192.0.2.2', 'lease 192.0.2.120 unavailable']);
  const [p, q, ig] = events(`
    Dec  1 15:20:00 ltsp dnsmasq-dhcp[77]: PXE(eth0) 02:00:5e:00:00:21 proxy
    Dec  1 15:20:00 ltsp dnsmasq-dhcp[77]: PXE(eth0) 192.0.2.120 02:00:5e:00:00:21 /pxelinux.0
    Dec  1 15:20:00 ltsp dnsmasq-dhcp[77]: 2860571651 PXE(eth0) 02:00:5e:00:00:99 proxy-ignored
  `);
  assert.equal(p.kind, 'dhcp-discover');
  assert.deepEqual([q.kind, q.ip, q.path], ['proxy-offer', '192.0.2.120', '/pxelinux.0']);
  assert.deepEqual([ig.kind, ig.mac], ['proxy-ignored', '02:00:5e:00:00:99']);
  const [rrq, nak, den] = events(`
    Dec  1 15:39:17 vm daemon.notice in.tftpd[12220]: RRQ from 192.0.2.22 filename lts/vmlinuz
    Dec  1 15:39:17 vm daemon.info in.tftpd[12220]: sending NAK (1, File not found) to 192.0.2.22
    Dec  1 15:45:11 vm daemon.info in.tftpd[17001]: sending NAK (0, Permission denied) to 192.0.2.23
  `);
  assert.deepEqual([rrq.kind, rrq.ip, rrq.path, rrq.pid], ['tftp-read', '192.0.2.22', 'lts/vmlinuz', 12220]);
  assert.deepEqual([nak.kind, nak.code, nak.why, nak.pid], ['tftp-nak', 1, 'File not found', 12220]);
  assert.deepEqual([den.code, den.why], [0, 'Permission denied']);
  const [m, mr, other] = events(`
    Dec  1 15:50:00 ltsp rpc.mountd[990]: authenticated mount request from 192.0.2.21:790 for /opt/ltsp/i386 (/opt/ltsp/i386)
    Dec  1 15:50:00 ltsp rpc.mountd[990]: refused mount request from 192.0.2.77 for /opt/ltsp/i386 (/): not exported
    Dec  1 15:50:00 ltsp sshd[5120]: Accepted publickey for admin from 198.51.100.7 port 51234 ssh2
  `);
  assert.deepEqual([m.kind, m.ip, m.path], ['mount', '192.0.2.21', '/opt/ltsp/i386']);
  assert.deepEqual([mr.kind, mr.ip, mr.why], ['mount-refused', '192.0.2.77', 'not exported']);
  assert.deepEqual([other.kind, other.source], ['other', 'unknown']);
});

test('a whole boot: every stage in order, the boot time from the first DISCOVER; pxelinux config probes that miss are no problem', () => {
  const ev = events(`
    Dec  1 15:00:00 vm daemon.info dhcpd[1]: DHCPDISCOVER from 02:00:5e:00:00:21 via eth0
    Dec  1 15:00:01 vm daemon.info dhcpd[1]: DHCPOFFER on 192.0.2.21 to 02:00:5e:00:00:21 via eth0
    Dec  1 15:00:02 vm daemon.info dhcpd[1]: DHCPREQUEST for 192.0.2.21 (192.0.2.1) from 02:00:5e:00:00:21 via eth0
    Dec  1 15:00:02 vm daemon.info dhcpd[1]: DHCPACK on 192.0.2.21 to 02:00:5e:00:00:21 via eth0
    Dec  1 15:00:03 vm daemon.notice in.tftpd[10]: RRQ from 192.0.2.21 filename /pxelinux.0
    Dec  1 15:00:04 vm daemon.notice in.tftpd[11]: RRQ from 192.0.2.21 filename /ldlinux.c32
    Dec  1 15:00:04 vm daemon.notice in.tftpd[12]: RRQ from 192.0.2.21 filename /pxelinux.cfg/01-02-00-5e-00-00-21
    Dec  1 15:00:04 vm daemon.info in.tftpd[12]: sending NAK (1, File not found) to 192.0.2.21
    Dec  1 15:00:04 vm daemon.notice in.tftpd[13]: RRQ from 192.0.2.21 filename /pxelinux.cfg/C0000215
    Dec  1 15:00:04 vm daemon.info in.tftpd[13]: sending NAK (1, File not found) to 192.0.2.21
    Dec  1 15:00:05 vm daemon.notice in.tftpd[14]: RRQ from 192.0.2.21 filename /pxelinux.cfg/default
    Dec  1 15:00:06 vm daemon.notice in.tftpd[15]: RRQ from 192.0.2.21 filename /lts/vmlinuz
    Dec  1 15:00:09 vm daemon.notice in.tftpd[16]: RRQ from 192.0.2.21 filename /lts/initramfs.gz
    Dec  1 15:00:20 ltsp rpc.mountd[990]: authenticated mount request from 192.0.2.21:790 for /opt/ltsp/i386 (/opt/ltsp/i386)
  `);
  const logged = parseSyslogLine('Dec  1 15:00:25 192.0.2.21 ltsp: ws1 (192.0.2.21) up after 12 s', NOW);
  assert.ok(logged);
  ev.push(clientEvent(logged, { mac: '02:00:5e:00:00:21', ip: '192.0.2.21', name: '192.0.2.21' }, '/var/log/ltsp/192.0.2.21.log', 'x'));
  const x = parseSyslogLine('Dec  1 15:00:31 192.0.2.21 Xorg: XDMCP query to 192.0.2.1', NOW);
  assert.ok(x);
  ev.push(clientEvent(x, { mac: '02:00:5e:00:00:21', ip: '192.0.2.21', name: '192.0.2.21' }, '/var/log/ltsp/192.0.2.21.log', 'y'));
  const rows = clientRows(SITE, ev, facts());
  const ws1 = rowOf(rows, 'ws1');
  assert.deepEqual(ws1?.boot?.stages.map((s) => s.stage), ['dhcp', 'bootloader', 'config', 'kernel', 'initrd', 'root', 'syslog', 'session']);
  assert.equal(ws1?.boot?.stage, 'session');
  assert.equal(ws1?.boot?.seconds, 31);
  assert.equal(ws1?.boot?.problem, null);
  // ws2 has never been seen
  assert.equal(rowOf(rows, 'ws2')?.boot, null);
});

test('two boots of one client are told apart (a reboot fetches the bootloader again)', () => {
  const ev = events(`
    Dec  1 15:00:00 vm daemon.info dhcpd[1]: DHCPDISCOVER from 02:00:5e:00:00:21 via eth0
    Dec  1 15:00:02 vm daemon.info dhcpd[1]: DHCPACK on 192.0.2.21 to 02:00:5e:00:00:21 via eth0
    Dec  1 15:00:03 vm daemon.notice in.tftpd[10]: RRQ from 192.0.2.21 filename /pxelinux.0
    Dec  1 15:00:06 vm daemon.notice in.tftpd[15]: RRQ from 192.0.2.21 filename /lts/vmlinuz
    Dec  1 15:00:20 vm daemon.info dhcpd[1]: DHCPDISCOVER from 02:00:5e:00:00:21 via eth0
    Dec  1 15:00:21 vm daemon.info dhcpd[1]: DHCPACK on 192.0.2.21 to 02:00:5e:00:00:21 via eth0
    Dec  1 15:00:22 vm daemon.notice in.tftpd[20]: RRQ from 192.0.2.21 filename /pxelinux.0
  `);
  const ws1 = rowOf(clientRows(SITE, ev, facts()), 'ws1');
  assert.equal(ws1?.boots.length, 2);
  assert.equal(ws1?.boot?.stage, 'bootloader');
  assert.equal(ws1?.boot?.start, new Date(2026, 11, 1, 15, 0, 20).getTime());
});

test('diagnoses: another DHCP server, an unknown MAC, a missing file with its nearest, an unreadable file, a refused mount', () => {
  const ev = events(`
    Dec  1 15:00:00 vm daemon.info dhcpd[1]: DHCPDISCOVER from 02:00:5e:00:00:22 via eth0
    Dec  1 15:00:01 vm daemon.info dhcpd[1]: DHCPREQUEST for 192.0.2.120 (192.0.2.2) from 02:00:5e:00:00:22 via eth0: lease 192.0.2.120 unavailable.
    Dec  1 15:00:02 vm daemon.info dhcpd[1]: DHCPDISCOVER from 02:00:5e:00:00:99 via eth0
    Dec  1 15:00:02 vm daemon.info dhcpd[1]: DHCPOFFER on 192.0.2.101 to 02:00:5e:00:00:99 via eth0
    Dec  1 15:00:03 vm daemon.info dhcpd[1]: DHCPDISCOVER from 02:00:5e:00:00:21 via eth0
    Dec  1 15:00:03 vm daemon.info dhcpd[1]: DHCPACK on 192.0.2.21 to 02:00:5e:00:00:21 via eth0
    Dec  1 15:00:04 vm daemon.notice in.tftpd[15]: RRQ from 192.0.2.21 filename lts/vmlinuz
    Dec  1 15:00:04 vm daemon.info in.tftpd[15]: sending NAK (1, File not found) to 192.0.2.21
  `);
  const rows = clientRows(SITE, ev, facts({ nearest: (p) => (p === 'lts/vmlinuz' ? '/lts/vmlinuz-6.1.0-28-amd64' : null) }));
  const foreign = rowOf(rows, 'ws2')?.boot?.problem;
  assert.equal(foreign?.code, 'foreign-dhcp');
  assert.match(foreign?.diagnosis ?? '', /it asked 192\.0\.2\.2 \(DHCPREQUEST for 192\.0\.2\.120\), not this server \(192\.0\.2\.1\)/);
  assert.match(foreign?.fix ?? '', /mode = "proxy".*mode = "port-1067"/);
  const unknown = rowOf(rows, '02:00:5e:00:00:99');
  assert.equal(unknown?.known, false);
  assert.equal(unknown?.boot?.problem?.code, 'unknown-mac');
  assert.match(unknown?.boot?.problem?.fix ?? '', /\[\[host\]\]\nname = "ws-000099"\nmac {2}= "02:00:5e:00:00:99"/);
  const missing = rowOf(rows, 'ws1')?.boot?.problem;
  assert.equal(missing?.code, 'tftp-not-found');
  assert.match(missing?.diagnosis ?? '', /asked for "lts\/vmlinuz", which is \/srv\/tftp\/lts\/vmlinuz under tftp.root \/srv\/tftp; the nearest existing file is \/lts\/vmlinuz-6.1.0-28-amd64/);

  const denied = events(`
    Dec  1 15:10:00 vm daemon.info dhcpd[1]: DHCPDISCOVER from 02:00:5e:00:00:21 via eth0
    Dec  1 15:10:01 vm daemon.notice in.tftpd[30]: RRQ from 192.0.2.21 filename lts/initramfs.gz
    Dec  1 15:10:01 vm daemon.info in.tftpd[30]: sending NAK (0, Permission denied) to 192.0.2.21
  `);
  const p = rowOf(clientRows(SITE, denied, facts()), 'ws1')?.boot?.problem;
  assert.equal(p?.code, 'tftp-denied');
  assert.match(p?.fix ?? '', /^rc-service ltsp-tftpd restart/);

  const refused = events(`
    Dec  1 15:20:00 vm daemon.info dhcpd[1]: DHCPDISCOVER from 02:00:5e:00:00:21 via eth0
    Dec  1 15:20:10 ltsp rpc.mountd[990]: refused mount request from 192.0.2.21 for /opt/ltsp/i386 (/): not exported
  `);
  const r = rowOf(clientRows(SITE, refused, facts()), 'ws1')?.boot?.problem;
  assert.equal(r?.code, 'mount-refused');
  assert.match(r?.diagnosis ?? '', /rpc.mountd refused its root: 192\.0\.2\.21 asked to mount \/opt\/ltsp\/i386 \(not exported\)/);
});

test('stuck after the initrd: no mount request, naming the stopped NFS services from status', () => {
  const ev = events(`
    Dec  1 15:50:00 vm daemon.info dhcpd[1]: DHCPDISCOVER from 02:00:5e:00:00:21 via eth0
    Dec  1 15:50:00 vm daemon.info dhcpd[1]: DHCPACK on 192.0.2.21 to 02:00:5e:00:00:21 via eth0
    Dec  1 15:50:01 vm daemon.notice in.tftpd[15]: RRQ from 192.0.2.21 filename /lts/vmlinuz
    Dec  1 15:50:02 vm daemon.notice in.tftpd[16]: RRQ from 192.0.2.21 filename /lts/initramfs.gz
  `);
  const p = rowOf(clientRows(SITE, ev, facts({ services: () => ({ nfs: 'stopped (rc-service nfs start)' }) })), 'ws1')?.boot?.problem;
  assert.equal(p?.code, 'no-mount');
  assert.match(p?.diagnosis ?? '', /never asked to mount its root \(192\.0\.2\.1:\/opt\/ltsp\/i386\): nfs is stopped \(rc-service nfs start\)/);
  // not yet stuck a few seconds after
  const early = rowOf(clientRows(SITE, ev, facts({ now: new Date(2026, 11, 1, 15, 50, 10).getTime() })), 'ws1');
  assert.equal(early?.boot?.problem, null);
});

test("a client's line names its sender by the file it was filed in; a host field that says otherwise is kept as a claim", () => {
  const l = parseSyslogLine('Dec  1 15:00:25 ws9 ltsp-init: I am ws9', NOW);
  assert.ok(l);
  const e = clientEvent(l, { ip: '192.0.2.21', mac: '02:00:5e:00:00:21', name: '192.0.2.21' }, '/var/log/ltsp/192.0.2.21.log', 'Dec  1 15:00:25 ws9 ltsp-init: I am ws9');
  assert.equal(e.mac, '02:00:5e:00:00:21');
  assert.equal(e.claims, 'ws9');
  // an address no host has and no lease explains: a row of its own, said to be unattributed
  const stray = parseSyslogLine('Dec  1 15:00:25 192.0.2.200 x: hello', NOW);
  assert.ok(stray);
  const rows = clientRows(SITE, [clientEvent(stray, { ip: '192.0.2.200', name: '192.0.2.200' }, '/var/log/ltsp/192.0.2.200.log', 'z')], facts());
  const r = rowOf(rows, '192.0.2.200');
  assert.equal(r?.name, null);
  assert.equal(r?.boot?.problem?.code, 'unknown-address');
});

const WS1 = { mac: '02:00:5e:00:00:21', ip: '192.0.2.21', name: '192.0.2.21' };
/** the lines of a client's own log file (syslog-ng framing), as events */
function clientLines(text: string): LogEvent[] {
  return text
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .map((l) => clientEvent(parseSyslogLine(l, NOW) ?? assert.fail(`unparsed: ${l}`), WS1, '/var/log/ltsp/192.0.2.21.log', l));
}

const IMAGE_SITE = parseSite(
  Buffer.from(`${siteHead({ dhcp: 'primary', range: ['192.0.2.100', '192.0.2.149'] })}[boot]
pxe_filename = "/pxelinux.0"
[tftp]
root = "/srv/tftp"
[[image]]
name = "lab"
root = "/srv/roots/lab"
serve = "nbd"
[[host]]
name = "ws1"
mac = "02:00:5e:00:00:21"
address = "192.0.2.21"
`),
  'site.toml',
).site;

const IMAGE_BOOT = `
    Dec  1 15:00:00 vm dhcpd[1]: DHCPDISCOVER from 02:00:5e:00:00:21 via eth0
    Dec  1 15:00:01 vm dhcpd[1]: DHCPACK on 192.0.2.21 to 02:00:5e:00:00:21 via eth0
    Dec  1 15:00:02 vm in.tftpd[10]: RRQ from 192.0.2.21 filename /pxelinux.0
    Dec  1 15:00:03 vm in.tftpd[14]: RRQ from 192.0.2.21 filename /pxelinux.cfg/default
    Dec  1 15:00:04 vm in.tftpd[15]: RRQ from 192.0.2.21 filename /ltsp/lab/vmlinuz
    Dec  1 15:00:06 vm in.tftpd[16]: RRQ from 192.0.2.21 filename /ltsp/lab/initrd.img`;

test("an NBD root: the initramfs's own lines give the root stage, the session script's the syslog and session stages", () => {
  const ev = [
    ...events(IMAGE_BOOT),
    ...clientLines(`
      Dec  1 15:00:12 192.0.2.21 ltsp-init: initramfs of lab up; root nbd:192.0.2.1:10809:lab
      Dec  1 15:00:12 192.0.2.21 ltsp-init: address 192.0.2.21 on eth0 (server 192.0.2.1)
      Dec  1 15:00:13 192.0.2.21 ltsp-init: root: NBD export lab on 192.0.2.1:10809
      Dec  1 15:00:14 192.0.2.21 ltsp-init: root mounted: nbd:192.0.2.1:10809:lab
      Dec  1 15:00:16 192.0.2.21 ltsp: thin01 (192.0.2.21, 02:00:5e:00:00:21) up after 14 s; logging to 192.0.2.1
      Dec  1 15:00:18 192.0.2.21 ltsp: starting X: XDMCP query to 192.0.2.1
      Dec  1 15:00:25 192.0.2.21 ltsp: XDMCP session: 192.0.2.1 manages display :0
    `),
  ];
  const b = rowOf(clientRows(IMAGE_SITE, ev, facts()), 'ws1')?.boot;
  assert.deepEqual(b?.stages.map((s) => s.stage), ['dhcp', 'bootloader', 'config', 'kernel', 'initrd', 'root', 'syslog', 'session']);
  assert.deepEqual(b?.stages.map((s) => new Date(s.time ?? 0).getSeconds()), [1, 2, 3, 4, 6, 14, 16, 25]);
  assert.equal(b?.seconds, 25);
  assert.equal(b?.problem, null);
});

test('an NBD root never mounted: no-mount names the NBD export, ltsp-nbd and what the initramfs said last; a FAILED line is its own diagnosis', () => {
  const stuck = [...events(IMAGE_BOOT), ...clientLines('Dec  1 15:00:13 192.0.2.21 ltsp-init: root: NBD export lab on 192.0.2.1:10809')];
  const p = rowOf(clientRows(IMAGE_SITE, stuck, facts({ services: () => ({ 'ltsp-nbd': 'stopped (rc-service ltsp-nbd start)' }) })), 'ws1')?.boot?.problem;
  assert.equal(p?.code, 'no-mount');
  assert.match(p?.diagnosis ?? '', /never mounted its root \(NBD export lab on 192\.0\.2\.1:10809\): ltsp-nbd is stopped \(rc-service ltsp-nbd start\); its initramfs last said "root: NBD export lab on 192\.0\.2\.1:10809"/);
  const failed = [...stuck, ...clientLines('Dec  1 15:00:14 192.0.2.21 ltsp-init: FAILED: nbd-client 192.0.2.1 10809 -N lab: Error: Connection refused')];
  const f = rowOf(clientRows(IMAGE_SITE, failed, facts({ now: new Date(2026, 11, 1, 15, 0, 20).getTime() })), 'ws1')?.boot?.problem;
  assert.equal(f?.code, 'client-failed');
  assert.match(f?.diagnosis ?? '', /its initramfs gave up: "nbd-client 192\.0\.2\.1 10809 -N lab: Error: Connection refused"/);
  assert.match(f?.fix ?? '', /^rc-service ltsp-nbd status/);
});

test('no XDMCP session, as the client said: the display manager not listening, or the firewall dropping the query', () => {
  const ev = [
    ...events(IMAGE_BOOT),
    ...clientLines(`
      Dec  1 15:00:14 192.0.2.21 ltsp-init: root mounted: nbd:192.0.2.1:10809:lab
      Dec  1 15:00:16 192.0.2.21 ltsp: thin01 (192.0.2.21, 02:00:5e:00:00:21) up after 14 s; logging to 192.0.2.1
      Dec  1 15:01:48 192.0.2.21 ltsp: no XDMCP session: 192.0.2.1 did not open display :0 within 90 s
    `),
  ];
  // right after the client said so: no waiting for it to be quiet
  const soon = { now: new Date(2026, 11, 1, 15, 1, 49).getTime() };
  const down = rowOf(clientRows(IMAGE_SITE, ev, facts({ ...soon, udpListening: () => false })), 'ws1')?.boot?.problem;
  assert.equal(down?.code, 'no-session');
  assert.match(down?.diagnosis ?? '', /nothing on this server listens on 177\/udp, the display manager \(display-manager\) is not running/);
  assert.match(down?.fix ?? '', /^rc-service display-manager start/);
  const asked: [string, number][] = [];
  const fw = rowOf(
    clientRows(IMAGE_SITE, ev, facts({ ...soon, udpListening: () => true, firewallDrops: (ip, port) => (asked.push([ip, port]), 'table inet filter, chain input: its policy is drop') })),
    'ws1',
  )?.boot?.problem;
  assert.deepEqual(asked, [['192.0.2.21', 177]]);
  assert.match(fw?.diagnosis ?? '', /the display manager listens on 177\/udp, but the firewall drops 192\.0\.2\.21's query: table inet filter, chain input: its policy is drop/);
  // a session after all: no problem
  const ok = [...ev, ...clientLines('Dec  1 15:01:50 192.0.2.21 ltsp: XDMCP session: 192.0.2.1 manages display :0')];
  assert.equal(rowOf(clientRows(IMAGE_SITE, ok, facts(soon)), 'ws1')?.boot?.problem, null);
});

test("the firewall's verdict on an XDMCP query, from the ruleset nft lists (the ltsp_ts table and an admin's table with policy drop)", () => {
  // `nft -j list ruleset` of nftables 1.0.6 with both tables loaded, interface eth9
  const ruleset = JSON.parse(readFileSync(join(__dirname, '../fixtures/nft-admin-drop.json'), 'utf8'));
  assert.equal(nftDrops(ruleset, { saddr: '192.0.2.21', dport: 177, iifname: 'eth9' }), 'table inet filter, chain input: its policy is drop and no rule accepts udp dport 177 from 192.0.2.21');
  // the admin's table accepts TFTP: through both
  assert.equal(nftDrops(ruleset, { saddr: '192.0.2.21', dport: 69, iifname: 'eth9' }), null);
  // an outsider on the thin-client interface: ltsp_ts's own drop
  assert.equal(nftDrops(ruleset, { saddr: '198.51.100.7', dport: 69, iifname: 'eth9' }), 'table inet ltsp_ts, chain input: a rule drops it');
  // without the admin's table, ltsp_ts lets the client through
  const ours = { nftables: ruleset.nftables.filter((x: { chain?: { table: string }; rule?: { table: string } }) => (x.chain ?? x.rule)?.table !== 'filter') };
  assert.equal(nftDrops(ours, { saddr: '192.0.2.21', dport: 177, iifname: 'eth9' }), null);
  // a rule it cannot evaluate that accepts: cannot tell, no claim
  const unknown = structuredClone(ruleset);
  unknown.nftables.push({ rule: { family: 'inet', table: 'filter', chain: 'input', handle: 99, expr: [{ match: { op: '==', left: { meta: { key: 'skuid' } }, right: 0 } }, { accept: null }] } });
  assert.equal(nftDrops(unknown, { saddr: '192.0.2.21', dport: 177, iifname: 'eth9' }), null);
  assert.equal(nftDrops(null, { saddr: '192.0.2.21', dport: 177, iifname: 'eth9' }), null);
});

test("clients reads the daemon facility's file of the site's syslog daemon, as Gentoo configures each (dhcpd keeps facility daemon)", () => {
  assert.deepEqual(serverLogs('syslog-ng'), ['/var/log/messages']);
  assert.deepEqual(serverLogs('rsyslog'), ['/var/log/daemon.log']);
  assert.deepEqual(serverLogs('sysklogd'), ['/var/log/syslog']);
  // the generated dhcpd.conf sets no log-facility: dhcpd logs as daemon, beside in.tftpd
  assert.doesNotMatch(readFileSync(join(__dirname, '../../src/targets/dhcpd/dhcpd.conf.hbs'), 'utf8'), /log-facility/);
  const root = scratch('ltsp-clients-');
  try {
    const lines = [
      'Dec  1 15:00:00 srv dhcpd[1]: DHCPDISCOVER from 02:00:5e:00:00:21 via eth0',
      'Dec  1 15:00:01 srv dhcpd[1]: DHCPACK on 192.0.2.21 to 02:00:5e:00:00:21 via eth0',
      'Dec  1 15:00:02 srv in.tftpd[10]: RRQ from 192.0.2.21 filename /pxelinux.0',
    ].join('\n');
    mkdirSync(join(root, 'var/log'), { recursive: true });
    writeFileSync(join(root, 'var/log/daemon.log'), lines + '\n');
    writeFileSync(join(root, 'var/log/messages'), 'Dec  1 15:00:00 srv kernel: nothing of the clients\n');
    const site = join(root, 'site.toml');
    for (const [daemon, stage] of [
      ['rsyslog', 'bootloader'],
      ['syslog-ng', null],
    ] as const) {
      writeFileSync(site, `[server]\naddress = "192.0.2.1"\ninterface = "eth0"\n[network]\nsubnet = "192.0.2.0/24"\n[dhcp]\nmode = "primary"\nrange = ["192.0.2.100", "192.0.2.149"]\n[syslog]\ndaemon = "${daemon}"\n[[host]]\nname = "ws1"\nmac = "02:00:5e:00:00:21"\naddress = "192.0.2.21"\n`);
      const r = ltspcfg(['--root', root, '--config', site, 'clients', '--json', '--since', '3000d']);
      const j = JSON.parse(r.stdout);
      assert.equal(j.clients[0].last_boot?.stage ?? null, stage, daemon);
      assert.deepEqual(j.files, [join(root, daemon === 'rsyslog' ? 'var/log/daemon.log' : 'var/log/messages')], daemon);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a slow client's initramfs asks DHCP again 90 s after its initrd: the same boot; a DISCOVER that late after the root is a new one", () => {
  const ev = [
    ...events(IMAGE_BOOT),
    ...events(`
      Dec  1 15:01:36 vm dhcpd[1]: DHCPDISCOVER from 02:00:5e:00:00:21 via eth0
      Dec  1 15:01:37 vm dhcpd[1]: DHCPACK on 192.0.2.21 to 02:00:5e:00:00:21 via eth0
    `),
    ...clientLines(`
      Dec  1 15:01:40 192.0.2.21 ltsp-init: root mounted: nbd:192.0.2.1:10809:lab
      Dec  1 15:01:42 192.0.2.21 ltsp: thin01 (192.0.2.21, 02:00:5e:00:00:21) up after 14 s; logging to 192.0.2.1
    `),
  ];
  const r = rowOf(clientRows(IMAGE_SITE, ev, facts()), 'ws1');
  assert.equal(r?.boots.length, 1);
  assert.deepEqual(r?.boot?.stages.map((s) => s.stage), ['dhcp', 'bootloader', 'config', 'kernel', 'initrd', 'root', 'syslog']);
  const later = [...ev, ...events('Dec  1 15:03:00 vm dhcpd[1]: DHCPDISCOVER from 02:00:5e:00:00:21 via eth0')];
  assert.equal(rowOf(clientRows(IMAGE_SITE, later, facts()), 'ws1')?.boots.length, 2);
});
