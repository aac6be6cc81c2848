// Gathering the clients' boots from the server's log and its rotations: only the
// lines that can be events are decoded (SERVER_MARKS), and reading stops once
// every host's last boot is in, at --since, or at the byte budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collect } from '../../src/clients/collect';
import { SERVER_MARKS, serverEvent } from '../../src/clients/events';
import { parseSyslogLine } from '../../src/clients/syslogline';
import { parseSite } from '../../src/site/load';

const NOW = new Date(2026, 11, 1, 16, 0, 0).getTime();

test('every line the parsers make an event of holds one of SERVER_MARKS; the busiest other lines hold none', () => {
  const events = [
    'dhcpd[1]: DHCPDISCOVER from 02:00:5e:00:00:21 via eth0',
    'dhcpd[1]: DHCPOFFER on 192.0.2.21 to 02:00:5e:00:00:21 via eth0',
    'dhcpd[1]: DHCPREQUEST for 192.0.2.21 (192.0.2.1) from 02:00:5e:00:00:21 via eth0',
    'dhcpd[1]: DHCPACK on 192.0.2.21 to 02:00:5e:00:00:21 via eth0',
    'dhcpd[1]: DHCPNAK on 192.0.2.21 to 02:00:5e:00:00:21 via eth0',
    'dhcpd[1]: BOOTREQUEST from 02:00:5e:00:00:21 via eth0',
    'dhcpd[1]: BOOTREPLY for 192.0.2.21 to ws1 (02:00:5e:00:00:21) via eth0',
    'dnsmasq-dhcp[2]: PXE(eth0) 02:00:5e:00:00:21 proxy-ignored',
    'dnsmasq-dhcp[2]: PXE(eth0) 02:00:5e:00:00:21 proxy',
    'dnsmasq-dhcp[2]: PXE(eth0) 192.0.2.21 02:00:5e:00:00:21 /pxelinux.0',
    'dnsmasq-dhcp[2]: DHCPDISCOVER(eth0) 02:00:5e:00:00:21',
    'dnsmasq-dhcp[2]: DHCPREQUEST(eth0) 192.0.2.21 02:00:5e:00:00:21',
    'dnsmasq-dhcp[2]: DHCPACK(eth0) 192.0.2.21 02:00:5e:00:00:21 ws1',
    'dnsmasq-dhcp[2]: DHCPNAK(eth0) 192.0.2.21 02:00:5e:00:00:21 wrong network',
    'in.tftpd[3]: RRQ from 192.0.2.21 filename /pxelinux.0',
    'in.tftpd[3]: sending NAK (1, File not found) to 192.0.2.21',
    'rpc.mountd[4]: authenticated mount request from 192.0.2.21:790 for /opt/ltsp/i386 (/opt/ltsp/i386)',
    'rpc.mountd[4]: refused mount request from 192.0.2.77 for /opt/ltsp/i386 (/): not exported',
    'lightdm[5]: XDMCP: Received Request from 192.0.2.21 port 177',
  ];
  for (const l of events) {
    const text = `Dec  1 15:00:00 ltsp ${l}`;
    const e = serverEvent(parseSyslogLine(text, NOW) ?? assert.fail(text), '/var/log/messages', text);
    assert.notEqual(e.kind, 'other', text);
    assert.ok(
      SERVER_MARKS.some((m) => text.includes(m)),
      `no mark in: ${text}`,
    );
  }
  for (const l of ['CRON[1]: (root) CMD (run-parts /etc/cron.hourly)', 'dhcpd[1]: DHCPINFORM from 198.51.100.9 via eth1', 'kernel: [1.2] e1000e eth0: NIC Link is Up 1000 Mbps Full Duplex']) {
    assert.ok(!SERVER_MARKS.some((m) => `Dec  1 15:00:00 ltsp ${l}`.includes(m)), l);
  }
});

const mac = (i: number) => `02:00:5e:00:00:${String(i).padStart(2, '0')}`;
const SITE = parseSite(
  `[server]\naddress = "192.0.2.1"\ninterface = "eth0"\n[network]\nsubnet = "192.0.2.0/24"\n[dhcp]\nmode = "primary"\nrange = ["192.0.2.100", "192.0.2.149"]\n[boot]\npxe_filename = "/pxelinux.0"\nkernel = "/lts/vmlinuz"\n` +
    [1, 2, 3].map((i) => `[[host]]\nname = "ws${i}"\nmac = "${mac(i)}"\naddress = "192.0.2.2${i}"\n`).join(''),
  'site.toml',
).site;

const p2 = (n: number) => String(n).padStart(2, '0');
/** a syslog line `min` minutes before NOW */
function at(min: number, text: string): string {
  const d = new Date(NOW - min * 60_000);
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getMonth()];
  return `${mon} ${String(d.getDate()).padStart(2, ' ')} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ltsp ${text}`;
}
/** ~`n` noise lines spread over [from, to] minutes before NOW, newest last */
function noise(from: number, to: number, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(at(from - ((from - to) * i) / n, i % 3 ? `CRON[${i}]: (root) CMD (run-parts /etc/cron.hourly) ${'z'.repeat(i % 40)}` : 'dhcpd[1]: DHCPINFORM from 198.51.100.9 via eth1'));
  return out;
}
const boot = (i: number, min: number) => [at(min, `dhcpd[1]: DHCPDISCOVER from ${mac(i)} via eth0`), at(min - 0.01, `dhcpd[1]: DHCPACK on 192.0.2.2${i} to ${mac(i)} via eth0`), at(min - 0.02, `in.tftpd[9]: RRQ from 192.0.2.2${i} filename /pxelinux.0`)];

function withLogs(fn: (dir: string, log: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ltsp-collect-'));
    try {
      mkdirSync(join(dir, 'ltsp'));
      const log = join(dir, 'messages');
      // newest: ws1 and ws2 booted 5 minutes ago, 20,000 lines of noise (several chunks) before
      writeFileSync(log, [...noise(120, 6, 20000), ...boot(1, 5), ...boot(2, 5), ...noise(5, 1, 2000)].join('\n') + '\n');
      // yesterday's rotation: ws1 booted, ws3 booted
      writeFileSync(`${log}.1`, [...noise(1500, 1300, 500), ...boot(3, 1290), ...boot(1, 1280), ...noise(1279, 121, 500)].join('\n') + '\n');
      // the day before, compressed: ws3 booted earlier
      writeFileSync(`${log}.2.gz`, gzipSync([...boot(3, 2900), ...noise(2899, 1501, 500)].join('\n') + '\n'));
      const t = Date.now() / 1000;
      utimesSync(`${log}.1`, t - 86400, t - 86400);
      utimesSync(`${log}.2.gz`, t - 2 * 86400, t - 2 * 86400);
      await fn(dir, log);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const opts = (dir: string, log: string, over: Partial<Parameters<typeof collect>[1]> = {}) => ({ logs: [log], clientDir: join(dir, 'ltsp'), since: null, maxBytes: 32 << 20, clientMaxBytes: 1 << 20, now: NOW, ...over });

test(
  'reading stops at the stretch where every host has its last boot; further back, rotations newest first, a .gz among them',
  withLogs(async (dir, log) => {
    // ws1 and ws2 only (ws3 removed from the site): the newest file is enough, and not all of it
    const two = { ...SITE, hosts: SITE.hosts.slice(0, 2) };
    const a = await collect(two, opts(dir, log));
    assert.deepEqual(a.filesRead, [log]);
    assert.ok(a.linesRead < 22000, `${a.linesRead} lines`);
    assert.deepEqual(
      a.events.filter((e) => e.kind === 'dhcp-discover').map((e) => e.mac),
      [mac(1), mac(2)],
    );
    // ws3's last boot is in yesterday's file: read up to there, not the .gz
    const b = await collect(SITE, opts(dir, log));
    assert.deepEqual(b.filesRead, [log, `${log}.1`]);
    assert.deepEqual(
      b.events.filter((e) => e.kind === 'dhcp-discover').map((e) => `${e.mac} ${e.file.slice(dir.length)}`),
      [`${mac(3)} /messages.1`, `${mac(1)} /messages.1`, `${mac(1)} /messages`, `${mac(2)} /messages`],
    );
    // a host that never booted: every rotation is read, the compressed one too
    const four = parseSite(`[server]\naddress = "192.0.2.1"\ninterface = "eth0"\n[network]\nsubnet = "192.0.2.0/24"\n[dhcp]\nmode = "primary"\nrange = ["192.0.2.100", "192.0.2.149"]\n[boot]\npxe_filename = "/pxelinux.0"\nkernel = "/lts/vmlinuz"\n[[host]]\nname = "ws9"\nmac = "${mac(9)}"\n`, 'site.toml').site;
    const c = await collect(four, opts(dir, log));
    assert.deepEqual(c.filesRead, [log, `${log}.1`, `${log}.2.gz`]);
    assert.equal(c.events.filter((e) => e.kind === 'dhcp-discover').length, 5);
    assert.equal(c.events[0].file, `${log}.2.gz`);
    assert.equal(c.linesRead, 20000 + 2000 + 6 + 500 + 6 + 500 + 3 + 500);
  }),
);

test(
  '--since: lines older are left out and reading stops there; the byte budget stops it too',
  withLogs(async (dir, log) => {
    // ws3 booted 1290 minutes ago, ws1 1280: only ws1's boot of yesterday is inside
    const since = await collect(SITE, opts(dir, log, { since: NOW - 1285 * 60_000 }));
    assert.deepEqual(since.filesRead, [log, `${log}.1`]);
    assert.deepEqual(
      since.events.filter((e) => e.kind === 'dhcp-discover').map((e) => e.mac),
      [mac(1), mac(1), mac(2)],
    );
    const small = await collect(SITE, opts(dir, log, { maxBytes: 1 << 20 }));
    assert.deepEqual(small.filesRead, [log]);
  }),
);

test(
  'a system log that is not there is said so (journal-only systems), and the rest still read',
  withLogs(async (dir, log) => {
    const r = await collect(SITE, opts(dir, log, { logs: [join(dir, 'nosuch'), log] }));
    assert.match(r.notes[0], /nosuch: no such file .*journal/);
    assert.ok(r.events.length > 0);
  }),
);

test(
  "a client's file as the syslog-ng target writes it (the server's ISO date, to the millisecond) gives its lines' times to the millisecond",
  withLogs(async (dir, log) => {
    const t = new Date(NOW - 4 * 60_000 + 123);
    writeFileSync(join(dir, 'ltsp', '192.0.2.21.log'), `${t.toISOString().replace('Z', '+00:00')} 192.0.2.21 ltsp-init: root mounted\n`);
    const r = await collect(SITE, opts(dir, log));
    const own = r.events.filter((e) => e.source === 'client');
    assert.equal(own.length, 1);
    assert.equal(own[0].time, t.getTime());
    assert.equal(own[0].mac, mac(1));
  }),
);
