// root-path and option 129 against what a DHCP reply carries (src/site/rules/dhcp-options.ts):
// one option holds 255 bytes (dhcpd cuts a longer one in pieces, RFC 3396), and a 576-byte
// reply 308 bytes of options (beyond them dhcpd uses the sname field or leaves option 129
// out). Each refusal names its key, line, host and bytes; the largest reply allowed passes
// dhcpd -t (tests/lab/dhcp-1067.bats shows a ROM-sized client getting it whole).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SiteProblem } from '../../src/errors';
import type { WholeFile } from '../../src/targets/types';
import type { Site } from '../../src/site/types';
import { dhcpd } from '../../src/targets/dhcpd';
import { option129 } from '../../src/site/boot-line';
import { findProgram, runChecker } from '../../src/system/checkers';
import { DHCP_OPTION_MAX, DHCP_REPLY_OPTIONS } from '../../src/site/rules/dhcp-options';
import { loadSite, siteError, siteHead } from '../support/site';

const head = (mode: string) =>
  `${siteHead({ routers: ['192.0.2.1'] })}dns = ["192.0.2.1", "192.0.2.2"]\ndomain = "lab.example.org"\n[dhcp]\nmode = "${mode}"\nrange = ["192.0.2.100", "192.0.2.199"]\n`;
const lineOf = (text: string, start: string) => text.split('\n').findIndex((l) => l.trimStart().startsWith(start)) + 1;

function onlyProblem(text: string): SiteProblem {
  const e = siteError(text);
  assert.ok(e, `accepted:\n${text}`);
  assert.equal(e.problems.length, 1, e.message);
  return e.problems[0];
}

const nfsRoot = (n: number) => `[nfs]\nroot = "/${'r'.repeat(n - 1)}"\n`;
const host = (mountOptions: string) => `[[host]]\nname = "ws1"\nmac = "02:1d:0e:00:00:01"\naddress = "192.0.2.11"\ndhcp_port = 1067\nnic = "e1000"\nmount_options = "${mountOptions}"\n`;
/** mount options of `n` characters */
const mopts = (n: number) => `nolock,ro,${'a'.repeat(n - 10)}`;
/** The longest mount options the port-1067 head allows a host: its reply is then 308 bytes of options. */
function longestMountOptions(): number {
  let n = 100;
  while (n < 400 && !siteError(`${head('port-1067')}${host(mopts(n + 1))}`)) n++;
  return n;
}
/** boot.pxe_filename in a directory of `n` characters */
const pxe = (n: number) => `[boot]\npxe_filename = "/${'d'.repeat(n)}/pxelinux.0"\n`;

/** dhcpd -t on the dhcpd.conf the site makes; its text, once dhcpd accepted it. */
function acceptedByDhcpd(site: Site): string {
  const f = dhcpd.plan(site, { gentoo: true }).find((i): i is WholeFile => i.kind === 'file')!;
  const r = runChecker(f.checker!, f.path, Buffer.from(f.content));
  assert.equal(r.result, 'accepted', r.result === 'refused' ? r.output : '');
  return f.content;
}

test('root-path over 255 bytes is refused at nfs.root, in every mode that sends it', () => {
  // "192.0.2.1:" is 10 bytes: a path of 245 characters makes 255
  for (const mode of ['primary', 'port-1067', 'nfsroot', 'none']) {
    assert.equal(loadSite(`${head(mode)}${nfsRoot(245)}`).nfs.root.length, 245, mode);
    const text = `${head(mode)}${nfsRoot(246)}`;
    const p = onlyProblem(text);
    assert.equal(p.key, 'nfs.root', mode);
    assert.equal(p.position.line, lineOf(text, 'root ='));
    assert.equal(p.problem, `root-path (option 17), 256 bytes with the server's address, is longer than the ${DHCP_OPTION_MAX} bytes a DHCP option holds: dhcpd cuts a longer one into several options (RFC 3396), which Etherboot and PXE ROMs do not join`);
    assert.equal(p.expected, 'expected a path of at most 245 characters');
  }
  // dnsmasq's proxyDHCP sends neither root-path nor option 129
  assert.ok(loadSite(`${head('proxy')}${nfsRoot(300)}`));
});

test("a host's option 129 over 255 bytes is refused at its mount_options, naming the host", () => {
  const text = `${head('none')}${host(mopts(300))}`;
  const p = onlyProblem(text);
  assert.equal(p.key, 'host[1].mount_options');
  assert.equal(p.position.line, lineOf(text, 'mount_options'));
  assert.match(p.problem, /^option 129 of host ws1 \("DPORT=1067 NIC=e1000 MOPTS=nolock,ro,aaa\.\.\."\), 327 bytes, is longer than the 255 bytes a DHCP option holds/);
});

test('the whole reply over 308 bytes of options is refused naming the host and every part; 308 is accepted', () => {
  const n = longestMountOptions();
  const fits = `${head('port-1067')}${host(mopts(n))}`;
  const site = loadSite(fits);
  const o129 = option129(site, site.hosts[0]);
  // 40 fixed, routers 6, DNS 10, log servers 6, domain 17, root-path 26, option 128 8, host name 5
  assert.equal(118 + 2 + o129.length, DHCP_REPLY_OPTIONS);
  const text = `${head('port-1067')}${host(mopts(n + 1))}`;
  const p = onlyProblem(text);
  assert.equal(p.key, 'host[1].mount_options');
  assert.equal(p.position.line, lineOf(text, 'mount_options'));
  assert.equal(
    p.problem,
    `the DHCP reply to host ws1 needs ${DHCP_REPLY_OPTIONS + 1} bytes of options (the fixed options 40, routers 6, DNS servers 10, log servers 6, domain name 17, root-path 26, option 128 8, host name 5, option 129 ${o129.length + 3}), and a 576-byte reply holds 308: dhcpd would move the rest into the sname field, which ROMs need not read, or leave option 129 out`,
  );
  assert.match(p.expected, /^expected at most 308 bytes of options: /);
});

test('a boot file name over 127 bytes (the file field holds 128 with its NUL) is refused at the key it comes from', () => {
  // syslinux.efi lies in efi64/ beside pxelinux.0: "/" + dir + "/efi64/syslinux.efi" is the longest name
  const site = loadSite(`${head('port-1067')}${pxe(107)}`);
  assert.equal(site.boot.pxeFilename.length, 119);
  let text = `${head('port-1067')}${pxe(108)}`;
  let p = onlyProblem(text);
  assert.equal(p.key, 'boot.pxe_filename');
  assert.equal(p.position.line, lineOf(text, 'pxe_filename'));
  assert.match(p.problem, /^the boot file \/d{39}\.\.\. is 128 bytes long, and the file field of a DHCP reply holds 127 with its NUL: dhcpd cuts it to 128 bytes without one$/);
  // the same in dnsmasq's proxyDHCP
  assert.equal(onlyProblem(`${head('proxy')}${pxe(108)}`).key, 'boot.pxe_filename');
  // iPXE over HTTP is handed the script's URL
  const ipxe = (n: number) => `[boot]\nloader = "ipxe"\npxe_filename = "/${'d'.repeat(n)}/undionly.kpxe"\n[http]\nenabled = true\n`;
  assert.ok(loadSite(`${head('primary')}${ipxe(127 - 'http://192.0.2.1:80//ltsp.ipxe'.length)}`));
  assert.equal(onlyProblem(`${head('primary')}${ipxe(128 - 'http://192.0.2.1:80//ltsp.ipxe'.length)}`).key, 'boot.pxe_filename');
  text = `${head('none')}[[host]]\nname = "ws1"\nmac = "02:1d:0e:00:00:01"\nfilename = "/${'f'.repeat(127)}"\n`;
  p = onlyProblem(text);
  assert.equal(p.key, 'host[1].filename');
  assert.match(p.problem, /^the boot file of host ws1 \/f{39}\.\.\. is 128 bytes long/);
  text = `${head('nfsroot')}[boot]\netherboot_file = "/${'k'.repeat(127)}"\n`;
  assert.equal(onlyProblem(text).key, 'boot.etherboot_file');
});

test('the largest reply and the longest boot file name allowed: dhcpd -t takes them', { skip: !findProgram('dhcpd') && 'dhcpd is not installed' }, () => {
  const reply = loadSite(`${head('port-1067')}${host(mopts(longestMountOptions()))}`);
  assert.ok(acceptedByDhcpd(reply).includes(`option option-129 "${option129(reply, reply.hosts[0])}";`));
  const boot = loadSite(`${head('port-1067')}${pxe(107)}`);
  assert.ok(acceptedByDhcpd(boot).includes(`filename "/${'d'.repeat(107)}/efi64/syslinux.efi";`));
});
