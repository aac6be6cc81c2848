// The boot tree (pxelinux, tftp-tree, xinetd targets): golden files for every
// example, and the rules behind them (tests/support/golden.ts: how to update them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { CopiedFile, PlannedItem, Platform, WholeFile } from '../../src/targets/types';
import { pxelinux } from '../../src/targets/pxelinux';
import { pxelinuxPath } from '../../src/site/boot-line';
import { xinetd } from '../../src/targets/xinetd';
import { tftpTree } from '../../src/targets/tftp-tree';
import { findTarget } from '../../src/targets';
import { golden } from '../support/golden';
import { loadSite as load, siteHead } from '../support/site';

const repo = join(__dirname, '../..');
const examples = readdirSync(join(repo, 'examples')).filter((f) => f.endsWith('.toml')).sort();
const gentoo: Platform = { gentoo: true };


/** The example's text with tftp.launcher set to xinetd. */
function withXinetd(text: string): string {
  if (/^\[tftp\][^\n]*$/m.test(text)) return text.replace(/^\[tftp\][^\n]*$/m, '$&\nlauncher = "xinetd"');
  return `${text}\n[tftp]\nlauncher = "xinetd"\n`;
}

/** One line per planned item: what the tree holds besides the generated files' text. */
function manifest(items: PlannedItem[]): string {
  const mode = (m: number) => m.toString(8).padStart(4, '0');
  return items
    .map((i) => {
      switch (i.kind) {
        case 'file':
          return `file ${i.path} ${mode(i.mode)} ${i.owner ?? 'root'}:${i.group ?? 'root'}${i.checker ? ` checked by ${i.checker.label}` : ''}`;
        case 'copy':
          return `copy ${i.path} ${mode(i.mode)} ${i.owner ?? 'root'}:${i.group ?? 'root'} from ${i.from.join(' | ')} (missing: ${i.missingHint})`;
        case 'dir':
          return `dir  ${i.path} ${mode(i.mode)} ${i.owner ?? 'root'}:${i.group ?? 'root'}`;
        case 'tree':
          return `tree ${i.path} ${i.owner}:${i.group}`;
        default:
          return `${i.kind} ${i.path}`;
      }
    })
    .join('\n') + '\n';
}

for (const example of examples) {
  const name = basename(example, '.toml');
  const text = readFileSync(join(repo, 'examples', example), 'utf8');

  test(`golden: boot tree of examples/${example}`, () => {
    const site = load(text);
    const items = [...tftpTree.plan(site, gentoo), ...pxelinux.plan(site, gentoo), ...xinetd.plan(site, gentoo)];
    golden(name, 'boot-tree.manifest', manifest(items));
    for (const f of items.filter((i): i is WholeFile => i.kind === 'file')) golden(name, f.path, f.content);
  });

  test(`golden: xinetd launcher for examples/${example}`, () => {
    const site = load(withXinetd(text));
    const items = xinetd.plan(site, gentoo);
    assert.equal(items.length, 1);
    const f = items[0] as WholeFile;
    assert.equal(f.path, '/etc/xinetd.d/ltsp-tftp');
    golden(`${name}+xinetd`, f.path, f.content);
  });
}

const BASE = siteHead();

test('the targets are registered under their names', () => {
  assert.equal(findTarget('pxelinux'), pxelinux);
  assert.equal(findTarget('tftp-tree'), tftpTree);
  assert.equal(findTarget('xinetd'), xinetd);
});

test('defaults: bootloader, modules and pxelinux.cfg/ together at the top of /tftpboot, a menu; syslinux.efi and its own in efi64/', () => {
  const site = load(BASE);
  const items = pxelinux.plan(site, gentoo);
  assert.deepEqual(items.map((i) => `${i.kind} ${i.path}`), [
    'copy /tftpboot/pxelinux.0',
    'copy /tftpboot/ldlinux.c32',
    'copy /tftpboot/menu.c32',
    'copy /tftpboot/libutil.c32',
    'dir /tftpboot/pxelinux.cfg',
    'file /tftpboot/pxelinux.cfg/default',
    'dir /tftpboot/efi64',
    'copy /tftpboot/efi64/syslinux.efi',
    'copy /tftpboot/efi64/ldlinux.e64',
    'copy /tftpboot/efi64/menu.c32',
    'copy /tftpboot/efi64/libutil.c32',
    'dir /tftpboot/efi64/pxelinux.cfg',
    'file /tftpboot/efi64/pxelinux.cfg/default',
  ]);
  // the efi64 modules are other builds of the same names, from sys-boot/syslinux's efi64 directory
  assert.deepEqual((items[9] as CopiedFile).from, ['/usr/share/syslinux/efi64/menu.c32', '/usr/lib/syslinux/modules/efi64/menu.c32']);
  // syslinux.efi reads the same entries; the kernel, outside its directory, by its absolute path
  const efi = (items[12] as WholeFile).content;
  assert.match(efi, /^\tLINUX ::\/lts\/vmlinuz$/m);
  assert.equal(efi.replace('::/lts/vmlinuz', 'lts/vmlinuz'), (items[5] as WholeFile).content);
  const cfg = (items[5] as WholeFile).content;
  assert.match(cfg, /^UI menu\.c32$/m);
  assert.match(cfg, /^TIMEOUT 30$/m);
  assert.match(cfg, /^\tMENU LABEL LTSP thin client$/m);
  assert.match(cfg, /^\tLINUX lts\/vmlinuz$/m);
  assert.doesNotMatch(cfg, /INITRD|SERIAL/);
  assert.match(cfg, /^\tAPPEND root=\/dev\/nfs nfsroot=192\.0\.2\.1:\/opt\/ltsp\/i386 ip=dhcp$/m);
  for (const i of items) assert.equal(`${(i as CopiedFile).owner}:${(i as CopiedFile).group}`, 'nobody:nobody');
});

test('copies come from sys-boot/syslinux first on Gentoo, from Debian first elsewhere', () => {
  const site = load(BASE);
  const [g] = pxelinux.plan(site, { gentoo: true }) as CopiedFile[];
  const [d, l] = pxelinux.plan(site, { gentoo: false }) as CopiedFile[];
  assert.deepEqual(g.from, ['/usr/share/syslinux/pxelinux.0', '/usr/lib/PXELINUX/pxelinux.0']);
  assert.deepEqual(d.from, ['/usr/lib/PXELINUX/pxelinux.0', '/usr/share/syslinux/pxelinux.0']);
  assert.equal(l.from[0], '/usr/lib/syslinux/modules/bios/ldlinux.c32');
  assert.equal(g.missingHint, 'emerge --ask sys-boot/syslinux');
  // the Debian candidates exist on this test machine
  for (const i of pxelinux.plan(site, { gentoo: false }) as CopiedFile[]) if (i.kind === 'copy') assert.ok(existsSync(i.from[0]), i.from[0]);
});

test('a bootloader in a subdirectory takes its modules and pxelinux.cfg/ along; paths outside use ::', () => {
  const site = load(`${BASE}
[boot]
uefi = false
pxe_filename = "/pxe/pxelinux.0"
kernel = "/lts/vmlinuz-6.1"
initrd = "/pxe/initrd.img"
[tftp]
root = "/srv/tftp"
group = "nogroup"
`);
  const items = pxelinux.plan(site, gentoo);
  assert.deepEqual(items.map((i) => i.path), [
    '/srv/tftp/pxe/pxelinux.0',
    '/srv/tftp/pxe/ldlinux.c32',
    '/srv/tftp/pxe/menu.c32',
    '/srv/tftp/pxe/libutil.c32',
    '/srv/tftp/pxe/pxelinux.cfg',
    '/srv/tftp/pxe/pxelinux.cfg/default',
  ]);
  const cfg = (items[5] as WholeFile).content;
  assert.match(cfg, /^\tLINUX ::\/lts\/vmlinuz-6\.1$/m);
  assert.match(cfg, /^\tINITRD initrd\.img$/m);
  assert.equal((items[0] as CopiedFile).group, 'nogroup');
  assert.equal(pxelinuxPath(site, '/pxe/a/b'), 'a/b');
  assert.equal(pxelinuxPath(site, '/pxe2/a'), '::/pxe2/a');
  assert.deepEqual(tftpTree.plan(site, gentoo), [
    { kind: 'dir', path: '/srv/tftp', mode: 0o755, owner: 'nobody', group: 'nogroup' },
    { kind: 'tree', path: '/srv/tftp', owner: 'nobody', group: 'nogroup' },
  ]);
});

test('serial console, no menu at timeout 0, per-host files only for hosts that differ', () => {
  const site = load(`${BASE}
[boot]
uefi = false
serial_console = "ttyS1,115200n8"
timeout = 0
kernel_append = "quiet"
[[host]]
name = "plain"
mac = "52:54:00:00:00:01"
[[host]]
name = "isa"
mac = "52:54:00:AB:00:02"
nic = "ne"
io = "0x300"
mount_options = "nolock,ro"
kernel_append = "vga=791"
`);
  const items = pxelinux.plan(site, gentoo);
  assert.deepEqual(items.map((i) => i.path), [
    '/tftpboot/pxelinux.0',
    '/tftpboot/ldlinux.c32',
    '/tftpboot/pxelinux.cfg',
    '/tftpboot/pxelinux.cfg/default',
    '/tftpboot/pxelinux.cfg/01-52-54-00-ab-00-02',
  ]);
  const def = (items[3] as WholeFile).content;
  const host = (items[4] as WholeFile).content;
  assert.match(def, /^SERIAL 1 115200$/m);
  assert.match(def, /^PROMPT 0$/m);
  assert.doesNotMatch(def, /^UI |^TIMEOUT/m);
  assert.match(def, /APPEND root=\/dev\/nfs nfsroot=192\.0\.2\.1:\/opt\/ltsp\/i386 ip=dhcp console=tty0 console=ttyS1,115200n8 quiet$/m);
  assert.match(host, /^# isa \(52:54:00:ab:00:02\): its own settings/m);
  assert.match(host, /APPEND .* quiet NIC=ne IO=0x300 MOPTS=nolock,ro vga=791$/m);
  assert.match(host, /^SERIAL 1 115200$/m);
});

test('xinetd: only with launcher = "xinetd"; in.tftpd exits after a while; options follow site.toml', () => {
  assert.deepEqual(xinetd.plan(load(BASE), gentoo), []);
  assert.deepEqual(xinetd.notes!(load(BASE), gentoo), []);
  const site = load(`${BASE}
[tftp]
launcher = "xinetd"
address = "192.0.2.5"
port = 6969
blocksize = 1024
data_ports = [40000, 40100]
verbose = true
group = "nogroup"
`);
  const [f] = xinetd.plan(site, gentoo) as WholeFile[];
  assert.match(f.content, /^\tbind {8}= 192\.0\.2\.5$/m);
  assert.match(f.content, /^\tport {8}= 6969$/m);
  assert.match(f.content, /^\tserver_args = -s \/tftpboot -u nobody -t 30 -B 1024 -R 40000:40100 -v$/m);
  assert.match(f.content, /^\tuser {8}= root$/m);
  assert.equal(f.checker, undefined);
  assert.ok(xinetd.notes!(site, gentoo).some((n) => n.includes('apply --only tftp-tree')));
});
