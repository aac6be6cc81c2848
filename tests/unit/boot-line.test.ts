// What a client's boot is handed, against what carries it (src/site/rules/boot-line.ts):
//   boot.serial_console  pxelinux's SERIAL: 0-3 are COM1-COM4, any other number an I/O port
//   kernel_append        no parameter the generated line sets (the last one wins)
//   the kernel line      at most 2046 characters as pxelinux or iPXE hands it to the kernel
// Each refusal names its key and line; the line measured is the one the targets print.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SiteProblem } from '../../src/errors';
import type { Site } from '../../src/site/types';
import type { Platform, WholeFile } from '../../src/targets/types';
import { pxelinux } from '../../src/targets/pxelinux';
import { renderIpxeScript } from '../../src/targets/ipxe';
import { kernelCommandLines } from '../../src/site/boot-line';
import { KERNEL_LINE_MAX } from '../../src/site/rules/boot-line';
import { loadSite, siteError, siteHead } from '../support/site';

const HEAD = siteHead({ dhcp: 'proxy' });
const gentoo: Platform = { gentoo: true };

/** The problems validation finds in `text`. */
function problems(text: string): SiteProblem[] {
  const e = siteError(text);
  assert.ok(e, `accepted:\n${text}`);
  return e.problems;
}
function onlyProblem(text: string): SiteProblem {
  const p = problems(text);
  assert.equal(p.length, 1, p.map((x) => `${x.key}: ${x.problem}`).join('\n'));
  return p[0];
}
const lineOf = (text: string, start: string) => text.split('\n').findIndex((l) => l.trimStart().startsWith(start)) + 1;

const boot = (keys: string) => `${HEAD}[boot]\n${keys}\n`;
const HOST = (extra = '') => `[[host]]\nname = "ws1"\nmac = "02:00:00:00:00:01"\n${extra}\n`;

/** pxelinux.cfg files of a site, by path. */
function pxelinuxFiles(site: Site): Map<string, string> {
  const files = pxelinux.plan(site, gentoo).filter((i): i is WholeFile => i.kind === 'file');
  return new Map(files.map((f) => [f.path, f.content]));
}

/** What pxelinux hands the kernel for one config: BOOT_IMAGE=LINUX, APPEND, then initrd=INITRD (ldlinux's kernel.c). */
function pxelinuxKernelLine(cfg: string): string {
  const get = (k: string) => new RegExp(`^\\t${k} (.*)$`, 'm').exec(cfg)?.[1];
  const initrd = get('INITRD');
  return `BOOT_IMAGE=${get('LINUX')} ${get('APPEND')}${initrd ? ` initrd=${initrd}` : ''}`;
}

// ---- boot.serial_console ------------------------------------------------------

test('serial_console ttyS4 and above with pxelinux is refused: SERIAL would take 4 as an I/O port address', () => {
  for (const tty of ['ttyS4', 'ttyS4,115200', 'ttyS12,9600n8', 'ttyS99']) {
    const text = boot(`serial_console = "${tty}"`);
    const p = onlyProblem(text);
    assert.equal(p.key, 'boot.serial_console');
    assert.equal(p.position.line, lineOf(text, 'serial_console'));
    assert.match(p.problem, /^ttyS\d+ has no port number in pxelinux: its SERIAL directive takes 0-3 for the BIOS's COM1-COM4 and reads \d+ as I\/O port address \d+$/);
    assert.match(p.expected, /ttyS0 to ttyS3 with boot.loader = "pxelinux"/);
  }
});

test('serial_console ttyS0-ttyS3 with pxelinux: SERIAL 0-3 and the same console= for the kernel', () => {
  for (const port of [0, 3]) {
    const site = loadSite(boot(`serial_console = "ttyS${port},57600n8"`));
    const cfg = pxelinuxFiles(site).get('/tftpboot/pxelinux.cfg/default')!;
    assert.match(cfg, new RegExp(`^SERIAL ${port} 57600$`, 'm'));
    assert.match(cfg, new RegExp(`\\tAPPEND .* console=tty0 console=ttyS${port},57600n8$`, 'm'));
  }
});

test('serial_console ttyS4 with iPXE is accepted: the script leaves the port to the kernel, which gets console=ttyS4', () => {
  const site = loadSite(boot('loader = "ipxe"\nserial_console = "ttyS4,115200"'));
  const script = renderIpxeScript(site);
  assert.doesNotMatch(script, /serial/i);
  assert.match(script, /^set ltsp-append .* console=tty0 console=ttyS4,115200$/m);
});

test('serial_console: a rate pxelinux would not set exactly, or a port written with a leading zero, is refused', () => {
  for (const value of ['ttyS0,100000', 'ttyS0,230400', 'ttyS0,1234', 'ttyS01', 'ttyS0,9600n7', 'ttyS0,']) {
    const p = onlyProblem(boot(`serial_console = "${value}"`));
    assert.equal(p.key, 'boot.serial_console', value);
    assert.match(p.expected, /^expected a serial console like ttyS0,115200 .*rates: 300, 600, .*115200\)$/);
  }
  for (const value of ['ttyS0', 'ttyS1,9600', 'ttyS2,115200n8', 'ttyS3,300']) assert.equal(loadSite(boot(`serial_console = "${value}"`)).boot.serialConsole, value);
});

// ---- kernel_append against the generated parameters ------------------------------

test('boot.kernel_append may not set what the generated line sets: root=, nfsroot=, ip=, initrd=', () => {
  for (const [param, name] of [
    ['root=/dev/sda1', 'root'],
    ['nfsroot=192.0.2.9:/srv/other', 'nfsroot'],
    ['ip=off', 'ip'],
    ['initrd=/boot/other.img', 'initrd'],
  ]) {
    const text = boot(`kernel_append = "quiet ${param} vga=791"`);
    const p = onlyProblem(text);
    assert.equal(p.key, 'boot.kernel_append', param);
    assert.equal(p.position.line, lineOf(text, 'kernel_append'));
    assert.ok(p.problem.startsWith(`${name}= `), p.problem);
    assert.match(p.expected, /^expected parameters the generated line does not set/);
  }
});

test('console= in kernel_append is refused with a serial console, and allowed without one', () => {
  const text = boot('serial_console = "ttyS0,115200"\nkernel_append = "console=ttyS1"');
  const p = onlyProblem(text);
  assert.equal(p.key, 'boot.kernel_append');
  assert.match(p.problem, /^console= would take \/dev\/console from the serial console boot.serial_console sets \(console=tty0 console=ttyS0,115200\)/);
  assert.match(loadSite(boot('kernel_append = "console=ttyS1,9600 quiet"')).boot.kernelAppend, /console=ttyS1/);
});

test("a host's kernel_append may not repeat NIC=, IO= or MOPTS= that its own keys set, nor the root", () => {
  const text = `${HEAD}${HOST('nic = "e1000"\nio = "0x300"\nkernel_append = "NIC=3c509 IO=0x280 MOPTS=ro root=/dev/sda"')}`;
  const found = problems(text);
  assert.deepEqual(
    found.map((p) => [p.key, p.problem.split(' ')[0]]),
    [
      ['host[1].kernel_append', 'NIC='],
      ['host[1].kernel_append', 'IO='],
      ['host[1].kernel_append', 'root='],
    ],
  );
  assert.match(found[0].problem, /^NIC= would replace the NIC= that host\[1\]\.nic sets$/);
  for (const p of found) assert.equal(p.position.line, lineOf(text, 'kernel_append'));
  // without nic and io of its own, the host's NIC= and MOPTS= are its to set
  assert.equal(loadSite(`${HEAD}${HOST('kernel_append = "NIC=3c509 MOPTS=ro init=/bin/sh"')}`).hosts[0].kernelAppend, 'NIC=3c509 MOPTS=ro init=/bin/sh');
});

const IMAGE = '[[image]]\nname = "lab"\nroot = "/srv/ltsp/lab"\n';

test('with an [[image]], ltsp.root= and rdinit= are refused; root= and ip= (which its initramfs ignores) are not', () => {
  for (const param of ['ltsp.root=nfs:192.0.2.9:/srv/x', 'rdinit=/bin/sh']) {
    const p = onlyProblem(`${boot(`kernel_append = "${param}"`)}${IMAGE}`);
    assert.equal(p.key, 'boot.kernel_append', param);
    assert.ok(p.problem.startsWith(param.split('=')[0] + '= '), p.problem);
  }
  const site = loadSite(`${boot('kernel_append = "root=/dev/ram0 ip=dhcp quiet"')}${IMAGE}`);
  assert.equal(site.boot.kernelAppend, 'root=/dev/ram0 ip=dhcp quiet');
  // and a host's kernel_append is judged against the image it boots
  const host = onlyProblem(`${HEAD}${IMAGE}${HOST('kernel_append = "ltsp.root=nbd:192.0.2.9:10809:x"')}`);
  assert.equal(host.key, 'host[1].kernel_append');
});

// ---- the length of the kernel command line ------------------------------------

/** A kernel_append of `n` characters: words of "x" between spaces. */
const appendOf = (n: number) => {
  const words: string[] = [];
  let left = n;
  while (left > 0) {
    const w = Math.min(left, 60);
    words.push('x'.repeat(w));
    left -= w + 1;
  }
  const s = words.join(' ');
  return s.length === n ? s : s.slice(0, n - 1) + 'y';
};

for (const [loader, extra] of [
  ['pxelinux', 'uefi = true\ninitrd = "/lts/initrd.img"'],
  ['ipxe', 'loader = "ipxe"\nuefi = true\ninitrd = "/lts/initrd.img"'],
] as const) {
  test(`${loader}: a host's kernel line of ${KERNEL_LINE_MAX} characters is accepted, one more is refused naming the host and the length`, () => {
    const head = boot(extra);
    // the line without the host's parameters, measured on an accepted site
    const base = Math.max(...kernelCommandLines(loadSite(`${head}${HOST('kernel_append = "z"')}`), loadSite(`${head}${HOST('kernel_append = "z"')}`).hosts[0]).map((l) => l.line.length)) - 1;
    const fits = KERNEL_LINE_MAX - base;
    const site = loadSite(`${head}${HOST(`kernel_append = "${appendOf(fits)}"`)}`);
    const lines = kernelCommandLines(site, site.hosts[0]);
    assert.equal(Math.max(...lines.map((l) => l.line.length)), KERNEL_LINE_MAX);
    // the line measured is the one the targets print
    if (loader === 'pxelinux') {
      const files = pxelinuxFiles(site);
      const bios = files.get('/tftpboot/pxelinux.cfg/01-02-00-00-00-00-01')!;
      const efi = files.get('/tftpboot/efi64/pxelinux.cfg/01-02-00-00-00-00-01')!;
      assert.deepEqual(lines.map((l) => l.line), [pxelinuxKernelLine(bios), pxelinuxKernelLine(efi)]);
    } else {
      const script = renderIpxeScript(site);
      const append = /^:mac-02-00-00-00-00-01\n(?:#.*\n)?set ltsp-kernel (.*)\nset ltsp-initrd .*\nset ltsp-append (.*)$/m.exec(script)!;
      assert.deepEqual(lines.map((l) => l.line), [append[2], `${append[1].split('/').pop()} ${append[2]}`]);
    }
    const text = `${head}${HOST(`kernel_append = "${appendOf(fits + 1)}"`)}`;
    const p = onlyProblem(text);
    assert.equal(p.key, 'host[1].kernel_append');
    assert.equal(p.position.line, lineOf(text, 'kernel_append'));
    assert.match(p.problem, new RegExp(`^the kernel command line of host ws1 is ${KERNEL_LINE_MAX + 1} characters long as .* hands it to the kernel, and pxelinux and iPXE pass at most ${KERNEL_LINE_MAX} \\(they cut the rest off without a word\\)$`));
  });
}

test("every client's line too long is refused at boot.kernel_append; a host's own keys count on its line", () => {
  const text = boot(`kernel_append = "${appendOf(2100)}"`);
  const p = onlyProblem(text);
  assert.equal(p.key, 'boot.kernel_append');
  assert.match(p.problem, /^the kernel command line of every client \(pxelinux\.cfg\/default\) is \d+ characters long as syslinux\.efi \(UEFI\) hands it/);
  // a long nfs.root reaches the line twice (nfsroot= in APPEND and MOPTS= of the host's own
  // keys add to it): the host without kernel_append is named at its name
  const root = `/srv/${'r'.repeat(150)}`;
  const long = `${boot(`kernel_append = "${appendOf(1800)}"`)}[nfs]\nroot = "${root}"\n${HOST('mount_options = "nolock,ro,' + 'rsize=8192,'.repeat(10) + 'tcp"')}`;
  const q = onlyProblem(long);
  assert.equal(q.key, 'host[1].name');
  assert.match(q.problem, /^the kernel command line of host ws1 is \d+ characters long/);
});
