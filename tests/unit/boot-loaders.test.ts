// boot.loader and [http]: the iPXE tree and script, lighttpd's config, the
// DHCP answers per architecture in dhcpd and dnsmasq, status per architecture,
// and the rules that tie them (kernels over HTTP need iPXE).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SiteError } from '../../src/errors';
import type { CopiedFile, Platform, WholeFile } from '../../src/targets/types';
import { ipxe, renderIpxeScript } from '../../src/targets/ipxe';
import { httpd, lighttpdChecker } from '../../src/targets/httpd';
import { pxelinux } from '../../src/targets/pxelinux';
import { renderDhcpdConf } from '../../src/targets/dhcpd';
import { renderDnsmasqConf } from '../../src/targets/dnsmasq';
import { services } from '../../src/targets/firewall/ports';
import { checkArchitectures } from '../../src/status/architectures';
import type { FileStatus } from '../../src/system/inspect';
import { runChecker } from '../../src/system/checkers';
import { loadSite as load, siteHead } from '../support/site';

const gentoo: Platform = { gentoo: true };
const debian: Platform = { gentoo: false };
const BASE = `${siteHead({ dhcp: 'primary', range: ['192.0.2.100', '192.0.2.150'] })}[[host]]
name = "thin01"
mac = "52:54:00:5e:00:21"
kernel_append = "quiet"
[[host]]
name = "thin02"
mac = "52:54:00:5e:00:22"
`;
const boot = (lines: string, more = '') => load(`${BASE}\n[boot]\npxe_filename = "/pxe/pxelinux.0"\ninitrd = "/lts/initrd.img"\n${lines}\n${more}`);

test('boot.loader = "ipxe": undionly.kpxe, ipxe.efi and the script in the boot directory; no pxelinux tree', () => {
  const site = boot('loader = "ipxe"');
  assert.deepEqual(pxelinux.plan(site, gentoo), []);
  const items = ipxe.plan(site, gentoo);
  assert.deepEqual(items.map((i) => `${i.kind} ${i.path}`), ['dir /tftpboot/pxe', 'copy /tftpboot/pxe/undionly.kpxe', 'copy /tftpboot/pxe/ipxe.efi', 'file /tftpboot/pxe/ltsp.ipxe']);
  const [, kpxe, efi] = items as CopiedFile[];
  assert.deepEqual(kpxe.from, ['/usr/share/ipxe/undionly.kpxe', '/usr/lib/ipxe/undionly.kpxe']);
  assert.match(kpxe.missingHint, /sys-firmware\/ipxe with USE="undi"/);
  assert.match(efi.missingHint, /USE="uefi64"/);
  // Debian first elsewhere, snponly.efi (the firmware's own NIC driver) before ipxe.efi
  assert.deepEqual((ipxe.plan(site, debian)[2] as CopiedFile).from.slice(0, 2), ['/usr/lib/ipxe/snponly.efi', '/usr/lib/ipxe/ipxe.efi']);
  assert.deepEqual(ipxe.plan(boot('loader = "ipxe"\nuefi = false'), gentoo).map((i) => i.path), ['/tftpboot/pxe', '/tftpboot/pxe/undionly.kpxe', '/tftpboot/pxe/ltsp.ipxe']);
  assert.deepEqual(ipxe.plan(boot(''), gentoo), []);
});

test('the iPXE script: one entry per host that differs, by MAC, a menu with the timeout and local boot, initrd= on the kernel line', () => {
  const s = renderIpxeScript(boot('loader = "ipxe"\ntimeout = 50\nmenu_label = "Lab client"'));
  assert.match(s, /^#!ipxe\n/);
  assert.match(s, /^set ltsp-base tftp:\/\/192\.0\.2\.1$/m);
  assert.match(s, /^goto mac-\$\{netX\/mac:hexhyp\} \|\| goto default$/m);
  assert.match(s, /^:default\nset ltsp-kernel \/lts\/vmlinuz\nset ltsp-initrd \/lts\/initrd\.img\nset ltsp-append initrd=initrd\.img root=\/dev\/nfs nfsroot=192\.0\.2\.1:\/opt\/ltsp\/i386 ip=dhcp\ngoto ltsp-menu$/m);
  assert.match(s, /^:mac-52-54-00-5e-00-21\n# thin01 \(52:54:00:5e:00:21\): its own settings\nset ltsp-kernel \/lts\/vmlinuz\nset ltsp-initrd \/lts\/initrd\.img\nset ltsp-append initrd=initrd\.img root=\/dev\/nfs nfsroot=192\.0\.2\.1:\/opt\/ltsp\/i386 ip=dhcp quiet\n/m);
  assert.doesNotMatch(s, /mac-52-54-00-5e-00-22/, 'a host like the default has no entry of its own');
  assert.match(s, /^menu Lab client\nitem ltsp Lab client\nitem local Boot from the local disk\nchoose --timeout 5000 --default ltsp ltsp-choice/m);
  assert.match(s, /^kernel \$\{ltsp-base\}\$\{ltsp-kernel\} \$\{ltsp-append\}$/m);
  assert.match(s, /^initrd --name initrd\.img \$\{ltsp-base\}\$\{ltsp-initrd\}$/m);
  assert.match(s, /^:ltsp-local\n#.*\niseq \$\{platform\} efi && exit \|\|\nsanboot --no-describe --drive 0x80$/m);
  // no menu at timeout 0: straight to the kernel
  const quick = renderIpxeScript(boot('loader = "ipxe"\ntimeout = 0'));
  assert.doesNotMatch(quick, /^menu |^choose /m);
  assert.match(quick, /^goto ltsp-boot$/m);
  // without boot.initrd: no initramfs, and no initrd= on the kernel line
  const bare = renderIpxeScript(load(`${BASE}\n[boot]\nloader = "ipxe"\n`));
  assert.doesNotMatch(bare, /initrd/);
  assert.match(bare, /^:default\nset ltsp-kernel \/lts\/vmlinuz\nset ltsp-append root=\/dev\/nfs /m);
  // over HTTP when [http] is enabled
  assert.match(renderIpxeScript(boot('loader = "ipxe"', '[http]\nenabled = true\nport = 8080')), /^set ltsp-base http:\/\/192\.0\.2\.1:8080$/m);
});

test('http.enabled needs boot.loader = "ipxe"; lighttpd serves the TFTP root read-only, checked by lighttpd -t', () => {
  assert.throws(
    () => boot('', '[http]\nenabled = true'),
    (e: unknown) => e instanceof SiteError && /http\.enabled.*kernels over HTTP need iPXE, and boot\.loader is "pxelinux"/.test(e.message),
  );
  const site = boot('loader = "ipxe"', '[http]\nenabled = true\naddress = "192.0.2.5"\nuser = "www-data"\ngroup = "www-data"');
  const [f] = httpd.plan(site, gentoo) as WholeFile[];
  assert.equal(f.path, '/etc/ltsp/ltsp-httpd.conf');
  assert.equal(f.checker, lighttpdChecker);
  assert.match(f.content, /^server\.document-root\s+= "\/tftpboot"$/m);
  assert.match(f.content, /^server\.bind\s+= "192\.0\.2\.5"$/m);
  assert.match(f.content, /^server\.port\s+= 80$/m);
  assert.match(f.content, /^server\.username\s+= "www-data"$/m);
  assert.match(f.content, /^server\.follow-symlink\s+= "disable"$/m);
  assert.match(f.content, /^server\.modules\s+= \( "mod_access", "mod_accesslog" \)$/m, 'no listing, WebDAV or CGI module');
  const checked = runChecker(lighttpdChecker, f.path, Buffer.from(f.content));
  assert.notEqual(checked.result, 'refused', 'output' in checked ? checked.output : '');
  assert.deepEqual(httpd.plan(boot('loader = "ipxe"'), gentoo), []);
  // the firewall opens its TCP port
  assert.deepEqual(services(site).find((s) => s.what.startsWith('HTTP'))?.tcp, [80]);
});

test('dhcpd and dnsmasq: the iPXE script to iPXE, the loader of its architecture to a PXE ROM', () => {
  const site = boot('loader = "ipxe"', '[http]\nenabled = true');
  const conf = renderDhcpdConf(site);
  assert.match(conf, /if exists user-class and option user-class = "iPXE" \{\n\s+filename "http:\/\/192\.0\.2\.1:80\/pxe\/ltsp\.ipxe";\n\s+\} elsif substring \(option vendor-class-identifier, 0, 9\) = "PXEClient" \{/);
  assert.match(conf, /filename "\/pxe\/undionly\.kpxe";\n\s+\} elsif option pxe-system-type = 00:07 or option pxe-system-type = 00:09 \{\n\s+filename "\/pxe\/ipxe\.efi";/);
  const proxy = renderDnsmasqConf(load(`${BASE.replace('mode = "primary"', 'mode = "proxy"')}\n[boot]\nloader = "ipxe"\nuefi = false`));
  assert.deepEqual(proxy.match(/^(pxe-service|dhcp-boot|dhcp-userclass)=.*$/gm), [
    'pxe-service=tag:ltsp,tag:!ipxe,x86PC,"LTSP thin client",/undionly.kpxe,192.0.2.1',
    'dhcp-userclass=set:ipxe,iPXE',
    'dhcp-boot=tag:ipxe,tag:ltsp,/ltsp.ipxe,,192.0.2.1',
  ]);
});

test('status: each architecture, its loader, and the files the system lacks with what to emerge', () => {
  const site = boot('');
  const items = pxelinux.plan(site, gentoo);
  const files = items.map((item) => ({ target: 'pxelinux', path: item.path, kind: item.kind, state: item.path.endsWith('syslinux.efi') ? 'unavailable' : 'missing', hint: item.kind === 'copy' ? item.missingHint : undefined, item, current: null, desired: null }) as FileStatus);
  const [bios, uefi] = checkArchitectures(site, files);
  assert.equal(bios.state, 'ready');
  assert.equal(bios.loader, '/pxe/pxelinux.0');
  assert.equal(uefi.state, 'missing');
  assert.equal(uefi.health, 'problem');
  assert.equal(uefi.loader, '/pxe/efi64/syslinux.efi');
  assert.deepEqual(uefi.missing, [{ path: '/tftpboot/pxe/efi64/syslinux.efi', hint: 'emerge --ask sys-boot/syslinux (USE=uefi, its default)' }]);
  assert.equal(checkArchitectures(boot('uefi = false'), [])[1].state, 'off');
});
