// The DHCP targets through the real CLI on staged roots: apply writes the
// dhcpd config only after the real dhcpd -t accepted it; a config dhcpd
// refuses leaves the previous one in place, exit 1, with dhcpd's own message;
// mode none prints the settings for the existing server and writes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, hashTree, ltspcfg, scratch } from '../support/cli';

const CONF = 'etc/dhcp/dhcpd.1067.conf';

function site(dir: string, extraHost = ''): string {
  const file = join(dir, 'site.toml');
  writeFileSync(file, readFileSync(join(REPO, 'examples/wiki-sample.toml'), 'utf8') + extraHost);
  return file;
}

test('apply --only dhcpd writes dhcpd.1067.conf checked by dhcpd -t; a refused config keeps the old one, exit 1, dhcpd\'s message', () => {
  const root = scratch('ltsdt-apply-');
  const work = scratch('ltsdt-work-');
  const config = site(work);
  const first = ltspcfg(['--gentoo', '--root', root, '--config', config, 'apply', '--yes', '--only', 'dhcpd']);
  assert.equal(first.code, 0, first.stderr);
  const written = readFileSync(join(root, CONF), 'utf8');
  assert.match(written, /^ {4}host ws101 \{$/m);
  assert.equal(ltspcfg(['--root', root, '--config', config, 'render', 'dhcpd']).stdout, written, 'render prints what apply wrote');

  // a dhcpd on PATH that loses the semicolon after ws104's address, then runs the real one
  const bin = join(work, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'dhcpd'), '#!/bin/sh\nfor a; do f=$a; done\nsed -i "s/fixed-address 192.168.0.104;/fixed-address 192.168.0.104/" "$f"\nexec /usr/sbin/dhcpd "$@"\n');
  chmodSync(join(bin, 'dhcpd'), 0o755);
  const changed = site(work, '\n[[host]]\nname = "ws104"\nmac = "00:c0:4f:ad:5d:57"\naddress = "192.168.0.104"\n');
  const before = hashTree(root);
  const refused = ltspcfg(['--gentoo', '--root', root, '--config', changed, 'apply', '--yes', '--only', 'dhcpd'], { env: { PATH: `${bin}:${process.env.PATH}` } });
  assert.equal(refused.code, 1, refused.stdout + refused.stderr);
  const out = refused.stdout + refused.stderr;
  assert.match(out, /dhcpd -t/);
  assert.match(out, /\/etc\/dhcp\/dhcpd\.1067\.conf line \d+: semicolon expected\./, out);
  assert.equal(hashTree(root), before, 'the running config is left as it was');
  assert.equal(readFileSync(join(root, CONF), 'utf8'), written);

  // with the real dhcpd the same change goes through
  const ok = ltspcfg(['--gentoo', '--root', root, '--config', changed, 'apply', '--yes', '--only', 'dhcpd']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(readFileSync(join(root, CONF), 'utf8'), /^ {2}host ws104 \{$/m);
});

test('check runs dhcpd -t and dnsmasq --test on the examples', () => {
  for (const [example, label] of [['primary', 'dhcpd -t'], ['nfsroot', 'dhcpd -t'], ['proxy', 'dnsmasq --test']]) {
    const r = ltspcfg(['--config', join(REPO, `examples/${example}.toml`), 'check']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`\\(${label}\\)`), example);
  }
});

test('mode none: apply writes no DHCP file and prints the options for the existing server', () => {
  const root = scratch('ltsdt-none-');
  const r = ltspcfg(['--gentoo', '--root', root, '--config', join(REPO, 'examples/none.toml'), 'apply', '--yes', '--only', 'dhcpd,dnsmasq']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /dhcpd: next-server \(option 66, TFTP server\): 10\.42\.8\.5/);
  assert.match(r.stdout, /dhcpd: filename \(option 67\) for vendor class PXEClient \(PXE ROMs\) with option 93 = 0 \(BIOS\) or none: \/pxelinux\.0/);
  assert.match(r.stdout, /dhcpd: root-path \(option 17\): 10\.42\.8\.5:\/opt\/ltsp\/i386/);
  assert.ok(!existsSync(join(root, 'etc/dhcp')) && !existsSync(join(root, 'etc/dnsmasq.d')));
});
