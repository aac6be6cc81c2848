// The rules ltsp-ts's OpenRC services ask the CLI (`ltspcfg-ts service NAME
// [--ports]`), which status applies too: which setting calls for which
// service, and who holds the port a service binds (the kernel's socket
// tables, with real sockets on loopback here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server } from 'node:net';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { checkService, notCalledFor, OWN_SERVICES, requiredServices, servicePort } from '../../src/status/services';
import type { SystemFacts } from '../../src/status/types';
import { portHolders } from '../../src/system/ports';
import { loadSite, siteHead } from '../support/site';
import { ltspcfgAsync, scratch } from '../support/cli';

const FILE = '/etc/ltsp/site.toml';
const facts = (over: Partial<SystemFacts> = {}): SystemFacts => ({
  packages: {}, runlevel: [], initScripts: {}, running: {}, notLive: null, displayManager: { exists: false, value: null }, interfaces: null, netifrc: null, ...over,
});

const HTTP = '[boot]\nloader = "ipxe"\n[http]\nenabled = true\n';
const NBD_IMAGE = '[[image]]\nname = "debian"\nroot = "/srv/ltsp/debian"\n';
const NFS_IMAGE = '[[image]]\nname = "debian"\nroot = "/srv/ltsp/debian"\nserve = "nfs"\n';

test('which setting calls for which service: one rule, the services refuse by it and status lists by it', () => {
  const cases: [string, string, string | null][] = [
    ['dhcpd.1067', siteHead({ dhcp: 'port-1067' }), null],
    ['dhcpd.1067', siteHead({ dhcp: 'nfsroot' }), null],
    ['dhcpd.1067', siteHead({ dhcp: 'primary', range: ['192.0.2.100', '192.0.2.199'] }), `dhcp.mode is "primary" in ${FILE}: net-misc/dhcp's own dhcpd service serves it, not dhcpd.1067`],
    ['dhcpd.1067', siteHead({ dhcp: 'proxy' }), `dhcp.mode is "proxy" in ${FILE}: dhcpd.1067 serves "port-1067" and "nfsroot" only`],
    ['dhcpd.1067', siteHead({ dhcp: 'none' }), `dhcp.mode is "none" in ${FILE}: dhcpd.1067 serves "port-1067" and "nfsroot" only`],
    ['ltsp-tftpd', siteHead(), null],
    ['ltsp-tftpd', siteHead() + '[tftp]\nlauncher = "xinetd"\n', `tftp.launcher is "xinetd" in ${FILE}: xinetd starts in.tftpd (/etc/xinetd.d/ltsp-tftp), not ltsp-tftpd`],
    ['ltsp-httpd', siteHead() + HTTP, null],
    ['ltsp-httpd', siteHead(), `http.enabled is not true in ${FILE}: the site fetches its kernels over TFTP`],
    ['ltsp-nbd', siteHead() + NBD_IMAGE, null],
    ['ltsp-nbd', siteHead() + NFS_IMAGE, `no [[image]] in ${FILE} has serve = "nbd": ltsp-nbd would serve nothing`],
    ['ltsp-nbd', siteHead(), `no [[image]] in ${FILE} has serve = "nbd": ltsp-nbd would serve nothing`],
  ];
  for (const [service, text, why] of cases) {
    const site = loadSite(text);
    assert.equal(notCalledFor(service as (typeof OWN_SERVICES)[number], site, FILE), why, `${service} for ${text}`);
    const listed = requiredServices(site, facts()).some((n) => n.service === service);
    assert.equal(listed, why === null, `status lists ${service} exactly when the service would start`);
  }
});

test('the port each service binds, from site.toml', () => {
  const site = loadSite(siteHead({ dhcp: 'port-1067' }) + 'port = 2067\n[tftp]\nport = 6969\naddress = "192.0.2.7"\n' + HTTP + 'port = 8080\n[nbd]\nport = 10900\n');
  assert.deepEqual(servicePort('ltsp-tftpd', site).want, { protocol: 'udp', address: '192.0.2.7', port: 6969 });
  assert.deepEqual(servicePort('ltsp-httpd', site).want, { protocol: 'tcp', address: '192.0.2.1', port: 8080 });
  assert.deepEqual(servicePort('ltsp-nbd', site).want, { protocol: 'tcp', address: '192.0.2.1', port: 10900 });
  // dhcpd binds its port on every address; its own instances share it
  assert.deepEqual(servicePort('dhcpd.1067', site), { want: { protocol: 'udp', address: '0.0.0.0', port: 2067 }, keys: 'dhcp.port', shared: ['dhcpd'] });
});

const udp = (type: 'udp4' | 'udp6', address: string, port = 0): Promise<UdpSocket> =>
  new Promise((resolve, reject) => {
    const s = createSocket({ type, reuseAddr: false });
    s.once('error', reject);
    s.bind(port, address, () => resolve(s));
  });
const tcp = (address: string, port = 0): Promise<Server> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, address, () => resolve(s));
  });
const ME = readFileSync('/proc/self/comm', 'utf8').trim();

test('portHolders: real sockets on loopback, the process holding each, and what is not in the way', async () => {
  const v4 = await udp('udp4', '127.0.0.1');
  const port = v4.address().port;
  try {
    const want = { protocol: 'udp' as const, address: '127.0.0.1', port };
    assert.deepEqual(portHolders(want), [{ local: `127.0.0.1:${port}`, processes: [{ pid: process.pid, name: ME }] }]);
    // every address wanted: any holder; another address: none; the other protocol: none
    assert.equal(portHolders({ ...want, address: '0.0.0.0' })?.length, 1);
    assert.deepEqual(portHolders({ ...want, address: '127.0.0.2' }), []);
    assert.deepEqual(portHolders({ ...want, protocol: 'tcp' }), []);
    // a program that shares the port by design is passed over
    assert.deepEqual(portHolders(want, [ME]), []);
    // one process holding two sockets on the port (a daemon bound to two addresses): named on both
    const second = await udp('udp4', '127.0.0.2', port);
    try {
      assert.deepEqual(portHolders({ ...want, address: '0.0.0.0' })?.sort((a, b) => a.local.localeCompare(b.local)), [
        { local: `127.0.0.1:${port}`, processes: [{ pid: process.pid, name: ME }] },
        { local: `127.0.0.2:${port}`, processes: [{ pid: process.pid, name: ME }] },
      ]);
      assert.deepEqual(portHolders({ ...want, address: '0.0.0.0' }, [ME]), [], 'both passed over');
    } finally {
      second.close();
    }
  } finally {
    v4.close();
  }

  // a listening TCP socket on IPv6's any address (dual-stack) is in the way of every IPv4 address
  const any6 = await tcp('::');
  const port6 = (any6.address() as AddressInfo).port;
  try {
    assert.deepEqual(portHolders({ protocol: 'tcp', address: '192.0.2.1', port: port6 }), [{ local: `[::]:${port6}`, processes: [{ pid: process.pid, name: ME }] }]);
  } finally {
    await new Promise((r) => any6.close(r));
  }
  // a connection is not a listener: only LISTEN sockets count for TCP
  const server = await tcp('127.0.0.1');
  const sport = (server.address() as AddressInfo).port;
  const client = connect(sport, '127.0.0.1');
  try {
    await new Promise((r) => client.once('connect', r));
    assert.equal(portHolders({ protocol: 'tcp', address: '127.0.0.1', port: sport })?.length, 1);
    assert.deepEqual(portHolders({ protocol: 'tcp', address: '127.0.0.1', port: client.localPort! }), [], 'the connection\'s own port');
  } finally {
    client.destroy();
    server.close();
  }
});

test('status: a stopped service whose port another program holds is a conflict, named with the same message', async () => {
  const sock = await udp('udp4', '127.0.0.1');
  const port = sock.address().port;
  try {
    const site = loadSite(siteHead({ address: '127.0.0.1', subnet: '127.0.0.0/24' }) + `[tftp]\nport = ${port}\n`);
    const need = requiredServices(site, facts()).find((n) => n.service === 'ltsp-tftpd')!;
    const holders = portHolders(need.port!.want, need.port!.shared)!;
    const installed = Object.fromEntries(['net-ftp/tftp-hpa-5.2-r3', 'net-misc/ltsp-ts-0.1.0'].map((cpv) => [cpv.replace(/-\d.*$/, ''), [{ cpv, version: cpv.replace(/^.*?-(?=\d)/, ''), use: [] }]]));
    const f = facts({ packages: installed, runlevel: ['ltsp-tftpd'], running: { 'ltsp-tftpd': 'stopped' }, portHolders: { 'ltsp-tftpd': holders } });
    const row = checkService(need, f);
    assert.equal(row.state, 'conflict');
    assert.match(row.detail, new RegExp(`UDP port ${port} on 127\\.0\\.0\\.1 is already taken: ${ME} \\(pid ${process.pid}\\) on 127\\.0\\.0\\.1:${port}; stop it first, or change tftp\\.address or tftp\\.port in site\\.toml`));
    assert.equal(row.next, `stop ${ME} (pid ${process.pid}) on 127.0.0.1:${port}, or change tftp.address or tftp.port in site.toml`);
    // nobody on the port: no conflict
    assert.equal(checkService(need, facts({ ...f, portHolders: { 'ltsp-tftpd': [] } })).state, 'stopped');
  } finally {
    sock.close();
  }
});

test('ltspcfg-ts service NAME [--ports]: what the scripts call; exit 1 with the message, 0 and silent when free', async () => {
  const dir = scratch('ltspcfg-service-');
  const sock = await udp('udp4', '127.0.0.1');
  const port = sock.address().port;
  try {
    const file = join(dir, 'site.toml');
    const site = (text: string) => writeFileSync(file, text);
    const run = (...args: string[]) => ltspcfgAsync(['--config', file, 'service', ...args]);

    site(siteHead({ dhcp: 'primary', range: ['192.0.2.100', '192.0.2.199'] }));
    let r = await run('dhcpd.1067');
    assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', `ltspcfg-ts: dhcp.mode is "primary" in ${file}: net-misc/dhcp's own dhcpd service serves it, not dhcpd.1067\n`]);
    // an instance is dhcpd.1067's
    r = await run('dhcpd.1067.eth1');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /own dhcpd service serves it/);
    r = await run('ltsp-tftp');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^ltspcfg-ts: service: unknown service "ltsp-tftp"; did you mean "ltsp-tftpd"\? services: dhcpd\.1067, ltsp-tftpd, ltsp-httpd, ltsp-nbd\n$/);

    site(siteHead({ address: '127.0.0.1', subnet: '127.0.0.0/24' }) + `[tftp]\nport = ${port}\n`);
    r = await run('ltsp-tftpd');
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', ''], 'called for; the port is not asked');
    r = await run('ltsp-tftpd', '--ports');
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `ltspcfg-ts: UDP port ${port} on 127.0.0.1 is already taken: ${ME} (pid ${process.pid}) on 127.0.0.1:${port}; stop it first, or change tftp.address or tftp.port in ${file}\n`);
    sock.close();
    r = await run('ltsp-tftpd', '--ports');
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
  } finally {
    try {
      sock.close();
    } catch {
      // closed above
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
