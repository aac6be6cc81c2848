// The site model: defaults, normalisation, key positions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSite } from '../../src/site/load';
import { locateKeys } from '../../src/site/locate';
import { REPO } from '../support/cli';
import { siteError, siteHead } from '../support/site';

const minimal = siteHead({ address: '192.168.0.254', subnet: '192.168.0.0/24' });

const problems = (text: string) => siteError(text)?.problems ?? assert.fail('the site was accepted');

test('defaults fill every table', () => {
  const { site, values } = parseSite(minimal, 'site.toml');
  assert.equal(site.dhcp.mode, 'port-1067');
  assert.equal(site.dhcp.port, 1067);
  assert.equal(site.dhcp.bootUnknownClients, false);
  assert.equal(site.tftp.root, '/tftpboot');
  assert.equal(site.tftp.address, '192.168.0.254', 'TFTP listens on the server address by default');
  assert.deepEqual(site.network.logServers, ['192.168.0.254']);
  assert.equal(site.network.subnets[0].netmask, '255.255.255.0');
  assert.equal(site.network.subnets[0].broadcast, '192.168.0.255');
  assert.equal((values.tftp as Record<string, unknown>).user, 'nobody');
  assert.deepEqual(site.hosts, []);
});

test('values are normalised: MAC case and separators, paths, boot paths', () => {
  const { site } = parseSite(`${minimal}
[tftp]
root = "/srv//tftp/"
[boot]
pxe_filename = "pxelinux.0"
[[host]]
name = "ws1"
mac = "00-1A-2B-3C-4D-5E"
`, 'site.toml');
  assert.equal(site.hosts[0].mac, '00:1a:2b:3c:4d:5e');
  assert.equal(site.tftp.root, '/srv/tftp');
  assert.equal(site.boot.pxeFilename, '/pxelinux.0');
  assert.equal(site.hosts[0].group, undefined);
});

test('wiki sample: every host in its group, structured option-129 fields', () => {
  const file = join(REPO, 'examples/wiki-sample.toml');
  const { site } = parseSite(readFileSync(file), file);
  assert.deepEqual(site.groups.map((g) => [g.name, g.hosts.map((h) => h.name)]), [
    ['DESKTOP', ['desktop']],
    ['LIBRARY', ['ws100', 'ws101', 'ws102']],
    ['LAB', ['ws103']],
  ]);
  const ws101 = site.hosts.find((h) => h.name === 'ws101')!;
  assert.deepEqual([ws101.dhcpPort, ws101.nic, ws101.mountOptions], [1067, '3c509', 'nolock,ro,wsize=2048,rsize=2048']);
  assert.equal(site.hosts.find((h) => h.name === 'ws102')!.io, '0x300');
  assert.equal(site.hosts.find((h) => h.name === 'ws103')!.nfsroot, true);
});

test('every problem is reported, not only the first', () => {
  const p = problems(`${minimal}
[dhcp]
mode = "secondary"
port = "x"
[tftp]
rot = "/tftpboot"
`);
  assert.deepEqual(p.map((x) => x.key).sort(), ['dhcp.mode', 'dhcp.port', 'tftp.rot']);
});

test('key positions: tables, arrays of tables, dotted keys, multi-line arrays and strings', () => {
  const pos = locateKeys(`[server]
address = "a"
[network]
routers = [
  "x", # [not.a.table]
]
dns = ["y"]
notes = """
[also.not]
key = 1
"""
[[group]]
name = "A"
  [[group.host]]
  name = "h1"
  [[group.host]]
  "mac" = "m"
[[group]]
  [[group.host]]
  net.inner = 1
`);
  assert.deepEqual(pos.get('server.address'), { line: 2, col: 1 });
  assert.deepEqual(pos.get('network.dns'), { line: 7, col: 1 });
  assert.equal(pos.get('also.not.key'), undefined);
  assert.equal(pos.get('not.a.table'), undefined);
  assert.deepEqual(pos.get('group[1].host[1].name'), { line: 15, col: 3 });
  assert.deepEqual(pos.get('group[1].host[2].mac'), { line: 17, col: 3 });
  assert.deepEqual(pos.get('group[2].host[1]'), { line: 19, col: 3 });
  assert.deepEqual(pos.get('group[2].host[1].net.inner'), { line: 20, col: 3 });
});

test('a fixed address may not be the server, a network or a broadcast address', () => {
  const base = `${minimal}
[[host]]
name = "ws1"
mac = "00:11:22:33:44:55"
`;
  assert.match(problems(base + 'address = "192.168.0.254"\n')[0].problem, /server's address/);
  assert.match(problems(base + 'address = "192.168.0.255"\n')[0].problem, /network or broadcast/);
  assert.match(problems(`${minimal}\n[[host]]\nname = "ltsp-server"\nmac = "00:11:22:33:44:55"\n`)[0].problem, /server's own name/);
});
