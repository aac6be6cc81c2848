// [[image]]: the site rules, what the boot entries, nbd-server, lts.conf and
// the firewall make of it, and the pieces of `ltspcfg-ts image` that need no
// client root: the initramfs archive, paths inside a root, the module
// selection, mksquashfs's arguments, the refusals, the client scripts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Site } from '../../src/site/types';
import type { WholeFile } from '../../src/targets/types';
import { pxelinux } from '../../src/targets/pxelinux';
import { ipxe } from '../../src/targets/ipxe';
import { golden } from '../support/golden';
import { nbdServer } from '../../src/targets/nbd-server';
import { ltsConf } from '../../src/targets/lts-conf';
import { services } from '../../src/targets/firewall/ports';
import { clientScripts } from '../../src/targets/image';
import { renderExports } from '../../src/targets/exports';
import { cpioCompressed, initramfsCompression, initramfsEntries, initramfsKey, initramfsKeyOf, initramfsPlan, loadEntries, selectModules, withKey } from '../../src/system/initramfs';
import { ltspcfg, scratch } from '../support/cli';
import { findKernel, resolveIn } from '../../src/system/rootfs';
import { checkRoot, closedToOthers, squashfsArgs, verifySquashfs } from '../../src/system/image';
import { loadSite, siteError, siteHead } from '../support/site';

const BASE = `${siteHead({ dhcp: 'primary' })}[boot]\ntimeout = 0\n`;
const load = (text: string): Site => loadSite(BASE + text);
const problems = (text: string): string => siteError(BASE + text, '/etc/ltsp/site.toml')?.message ?? '';
const files = (items: ReturnType<typeof pxelinux.plan>) => items.filter((i): i is WholeFile => i.kind === 'file');

const TWO = `
[[image]]
name = "debian"
root = "/srv/ltsp/debian"
[[image]]
name = "gentoo"
root = "/srv/ltsp/gentoo"
serve = "nfs"
[[group]]
name = "LAB"
image = "gentoo"
  [[group.host]]
  name = "a"
  mac = "52:54:00:00:00:01"
  [[group.host]]
  name = "b"
  mac = "52:54:00:00:00:02"
  image = "debian"
[[host]]
name = "c"
mac = "52:54:00:00:00:03"
`;

test('image: the first is the default; a host takes its own, else its group\'s, else the default', () => {
  const site = load(TWO);
  assert.deepEqual(site.images.map((i) => [i.name, i.serve, i.default]), [['debian', 'nbd', true], ['gentoo', 'nfs', false]]);
  assert.deepEqual(site.hosts.map((h) => [h.name, h.image]), [['a', 'gentoo'], ['b', 'debian'], ['c', 'debian']]);
  assert.deepEqual(site.nbd, { port: 10809, dir: '/var/lib/ltsp/images' });
});

test('image: unknown names, two defaults, a name twice and a system root are refused with their lines', () => {
  assert.match(problems(TWO.replace('image = "debian"', 'image = "debain"')), /site\.toml:\d+:\d+: group\[1\]\.host\[2\]\.image: image "debain" is not defined; expected one of: debian, gentoo/);
  assert.match(problems(TWO.replace('serve = "nfs"', 'serve = "nfs"\ndefault = true').replace('root = "/srv/ltsp/debian"', 'root = "/srv/ltsp/debian"\ndefault = true')), /image\[2\]\.default: image\[1\] is already the default/);
  assert.match(problems(TWO.replace('name = "gentoo"', 'name = "debian"').replace(/image = "gentoo"/, 'image = "debian"')), /image\[2\]\.name: image "debian" is already defined/);
  assert.match(problems('[[image]]\nname = "x"\nroot = "/usr"\n'), /image\[1\]\.root: /);
  assert.match(problems('[[image]]\nname = "x"\nroot = "/srv/x"\nserve = "iscsi"\n'), /image\[1\]\.serve/);
});

test('pxelinux: an image boots its kernel and initramfs with ltsp.root=; a host of another image gets its own file', () => {
  const site = load(TWO);
  const out = files(pxelinux.plan(site, { gentoo: true }));
  const def = out.find((f) => f.path === '/tftpboot/pxelinux.cfg/default')!;
  assert.match(def.content, /LINUX ltsp\/debian\/vmlinuz\n\tINITRD ltsp\/debian\/initrd\.img\n\tAPPEND ltsp\.root=nbd:192\.0\.2\.1:10809:debian\n/);
  const a = out.find((f) => f.path === '/tftpboot/pxelinux.cfg/01-52-54-00-00-00-01')!;
  assert.match(a.content, /LINUX ltsp\/gentoo\/vmlinuz\n\tINITRD ltsp\/gentoo\/initrd\.img\n\tAPPEND ltsp\.root=nfs:192\.0\.2\.1:\/srv\/ltsp\/gentoo\n/);
  // b and c boot the default image with the default line: no file of their own
  assert.equal(out.filter((f) => f.path.startsWith('/tftpboot/pxelinux.cfg/01-')).length, 1);
  // without [[image]], the LTSP 4 line as before
  assert.match(files(pxelinux.plan(load(''), { gentoo: true })).find((f) => f.path.endsWith('default'))!.content, /APPEND root=\/dev\/nfs nfsroot=192\.0\.2\.1:\/opt\/ltsp\/i386 ip=dhcp\n/);
});

test('iPXE: an image boots its kernel and initramfs with ltsp.root=, as pxelinux does; a host of another image gets its own entry', () => {
  const site = loadSite(BASE.replace('[boot]\n', '[boot]\nloader = "ipxe"\n') + TWO);
  const script = files(ipxe.plan(site, { gentoo: true })).find((f) => f.path === '/tftpboot/ltsp.ipxe')!.content;
  assert.match(script, /^:default\nset ltsp-kernel \/ltsp\/debian\/vmlinuz\nset ltsp-initrd \/ltsp\/debian\/initrd\.img\nset ltsp-append initrd=initrd\.img ltsp\.root=nbd:192\.0\.2\.1:10809:debian\ngoto ltsp-boot$/m);
  assert.match(script, /^:mac-52-54-00-00-00-01\n# a \(52:54:00:00:00:01\): its own settings\nset ltsp-kernel \/ltsp\/gentoo\/vmlinuz\nset ltsp-initrd \/ltsp\/gentoo\/initrd\.img\nset ltsp-append initrd=initrd\.img ltsp\.root=nfs:192\.0\.2\.1:\/srv\/ltsp\/gentoo\n/m);
  // b and c boot the default image: no entry of their own; boot.kernel is not used
  assert.doesNotMatch(script, /mac-52-54-00-00-00-0[23]|\/lts\/vmlinuz/);
  assert.match(script, /^kernel \$\{ltsp-base\}\$\{ltsp-kernel\} \$\{ltsp-append\}\ninitrd --name initrd\.img \$\{ltsp-base\}\$\{ltsp-initrd\}\nboot$/m);
  // the same entries as the pxelinux tree
  const cfg = files(pxelinux.plan(load(TWO), { gentoo: true })).filter((f) => f.path.includes('/01-')).map((f) => f.path.slice(-17));
  assert.deepEqual([...new Set(cfg)], [...script.matchAll(/^:mac-(\S+)$/gm)].map((m) => m[1]));
  golden('images+ipxe', '/tftpboot/ltsp.ipxe', script);
});

test('nbd-server: one read-only export per nbd image, on the server address, for the thin-client subnets only; nothing without one', () => {
  const site = load(TWO);
  const [conf, allow, dir] = nbdServer.plan(site, { gentoo: true });
  assert.equal(conf.path, '/etc/ltsp/nbd-server.conf');
  const text = (conf as WholeFile).content;
  assert.match(text, /\[generic\]\n\tuser = nobody\n\tgroup = nobody\n\tlistenaddr = 192\.0\.2\.1\n\tport = 10809\n/);
  assert.match(text, /\[debian\]\n\texportname = \/var\/lib\/ltsp\/images\/debian\.img\n\treadonly = true\n\tauthfile = \/etc\/ltsp\/nbd-server\.allow\n/);
  // nbd-server's authfile: the networks, one a line; every other line a comment it skips
  assert.deepEqual([allow.path, (allow as WholeFile).mode], ['/etc/ltsp/nbd-server.allow', 0o644]);
  const networks = (allow as WholeFile).content.split('\n').filter((l) => l && !l.startsWith('#'));
  assert.deepEqual(networks, ['192.0.2.0/24']);
  assert.ok((allow as WholeFile).content.split('\n').every((l) => l.length < 255), 'nbd-server reads 255 characters a line');
  const two = (nbdServer.plan(load(TWO + '\n[[network.extra_subnet]]\nsubnet = "198.51.100.0/25"\n'), { gentoo: true })[1] as WholeFile).content;
  assert.deepEqual(two.split('\n').filter((l) => l && !l.startsWith('#')), ['192.0.2.0/24', '198.51.100.0/25']);
  assert.doesNotMatch(text, /gentoo/);
  assert.deepEqual([dir.kind, dir.path], ['dir', '/var/lib/ltsp/images']);
  assert.match((nbdServer.plan(site, { gentoo: false })[0] as WholeFile).content, /group = nogroup/);
  assert.deepEqual(nbdServer.plan(load(TWO.replace(/\[\[image\]\]\nname = "debian"\nroot = "\/srv\/ltsp\/debian"\n/, '').replace(/image = "debian"/, 'image = "gentoo"')), { gentoo: true }), []);
});

test('lts.conf: also in the TFTP root for image clients; the firewall opens nbd.port', () => {
  const site = load(TWO + '\n[lts.Default]\nSCREEN_01 = "startx"\n');
  const out = files(ltsConf.plan(site, { gentoo: true }));
  assert.deepEqual(out.map((f) => f.path), ['/opt/ltsp/i386/etc/lts.conf', '/tftpboot/ltsp/lts.conf']);
  assert.equal(out[0].content, out[1].content);
  assert.match(out[1].content, /SCREEN_01 = startx/);
  assert.deepEqual(services(site).find((s) => s.what === 'NBD'), { what: 'NBD', udp: [], tcp: [10809] });
  assert.equal(services(load('')).find((s) => s.what === 'NBD'), undefined);
});

/** Each client script of the TWO site, written to a scratch file: fn(its path in the initramfs, the file). */
function eachClientScript(fn: (path: string, file: string) => void): void {
  const site = load(TWO);
  const dir = mkdtempSync(join(tmpdir(), 'ltsp-scripts-'));
  try {
    for (const [path, text] of Object.entries(clientScripts(site, site.images[0]))) {
      const f = join(dir, path.replace(/\//g, '_'));
      writeFileSync(f, text);
      fn(path, f);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('client scripts: POSIX sh', () => {
  eachClientScript((path, f) => assert.equal(spawnSync('sh', ['-n', f]).status, 0, `${path}: sh -n`));
  const site = load(TWO);
  assert.match(clientScripts(site, site.images[0])['/init'], /tftp -g -r \/ltsp\/lts\.conf/);
});

test('client scripts: shellcheck accepts them', { skip: spawnSync('shellcheck', ['--version']).error !== undefined && 'shellcheck is not installed' }, () => {
  eachClientScript((path, f) => {
    const sc = spawnSync('shellcheck', ['-s', 'dash', f], { encoding: 'utf8' });
    assert.equal(sc.status, 0, `${path}: ${sc.stdout}`);
  });
});

/** A fake client root: a kernel, modules.dep with dependencies, X, busybox. */
function fakeRoot(): string {
  const r = mkdtempSync(join(tmpdir(), 'ltsp-root-'));
  const k = '6.1.0-9-amd64';
  mkdirSync(join(r, 'usr/bin'), { recursive: true });
  mkdirSync(join(r, 'boot'));
  symlinkSync('usr/lib', join(r, 'lib'));
  symlinkSync('usr/bin', join(r, 'bin'));
  const modules: Record<string, string[]> = {
    'kernel/drivers/net/ethernet/intel/e1000/e1000.ko': ['kernel/lib/crc-itu-t.ko'],
    'kernel/drivers/net/ethernet/realtek/r8169.ko': ['kernel/drivers/net/phy/libphy.ko'],
    'kernel/drivers/net/ethernet/mellanox/mlx5/mlx5_core.ko': [],
    'kernel/drivers/net/ethernet/3com/3c589_cs.ko': ['kernel/drivers/pcmcia/pcmcia.ko'],
    'kernel/drivers/net/phy/libphy.ko': [],
    'kernel/drivers/net/phy/realtek.ko': ['kernel/drivers/net/phy/libphy.ko'],
    'kernel/drivers/pcmcia/pcmcia.ko': [],
    'kernel/drivers/block/nbd.ko': [],
    'kernel/fs/squashfs/squashfs.ko': [],
    'kernel/fs/overlayfs/overlay.ko': [],
    'kernel/fs/nfs/nfsv4.ko': ['kernel/fs/nfs/nfs.ko', 'kernel/net/sunrpc/sunrpc.ko'],
    'kernel/fs/nfs/nfs.ko': ['kernel/net/sunrpc/sunrpc.ko'],
    'kernel/net/sunrpc/sunrpc.ko': [],
    'kernel/net/sunrpc/xprtrdma/rpcrdma.ko': ['kernel/net/sunrpc/sunrpc.ko'],
    'kernel/drivers/gpu/drm/tiny/bochs.ko': [],
    'kernel/lib/crc-itu-t.ko': [],
    'kernel/sound/snd.ko': [],
  };
  const dir = join(r, 'usr/lib/modules', k);
  for (const m of Object.keys(modules)) {
    mkdirSync(join(dir, m, '..'), { recursive: true });
    writeFileSync(join(dir, m), m);
  }
  writeFileSync(join(dir, 'modules.dep'), Object.entries(modules).map(([m, d]) => `${m}:${d.map((x) => ' ' + x).join('')}`).join('\n') + '\n');
  writeFileSync(join(dir, 'modules.alias'), [
    'alias pci:v00008086d0000100Esv*sd*bc*sc*i* e1000',
    'alias pci:v000010ECd00008168sv*sd*bc*sc*i* r8169',
    'alias pci:v000015B3d* mlx5_core',
    'alias pcmcia:m0101c0589f*fn*pfn*pa*pb*pc*pd* 3c589_cs',
    'alias mdio:0000000000011100110010010001???? realtek',
    'alias block-major-43-* nbd',
    'alias fs-nfs4 nfsv4',
    'alias snd-card-0 snd',
  ].join('\n') + '\n');
  writeFileSync(join(r, 'boot', `vmlinuz-${k}`), 'kernel');
  writeFileSync(join(r, 'usr/bin/Xorg'), '');
  return r;
}

test('rootfs: paths resolve inside the root, absolute symlinks included; the kernel that has modules is found', () => {
  const r = fakeRoot();
  try {
    symlinkSync('/usr/bin/Xorg', join(r, 'usr/bin/X'));
    assert.equal(resolveIn(r, '/bin/X'), join(r, 'usr/bin/Xorg'));
    assert.equal(resolveIn(r, '/lib/modules'), join(r, 'usr/lib/modules'));
    assert.equal(resolveIn(r, '/nonexistent/x'), null);
    symlinkSync('/../../../etc', join(r, 'escape'));
    assert.equal(resolveIn(r, '/escape/passwd'), null); // "/.." stays at the root's top
    const k = findKernel(r)!;
    assert.equal(k.version, '6.1.0-9-amd64');
    assert.equal(k.image, join(r, 'boot/vmlinuz-6.1.0-9-amd64'));
  } finally {
    rmSync(r, { recursive: true, force: true });
  }
});

test('initramfs: PCI NICs, their PHYs, the root\'s block device and file system, with dependencies; no server or PCMCIA NICs, sound or graphics', () => {
  const r = fakeRoot();
  try {
    const common = [
      'kernel/drivers/net/ethernet/intel/e1000/e1000.ko', 'kernel/drivers/net/ethernet/realtek/r8169.ko',
      'kernel/drivers/net/phy/libphy.ko', 'kernel/drivers/net/phy/realtek.ko',
    ];
    const nbd = selectModules(findKernel(r)!, 'nbd');
    assert.deepEqual(nbd.files, [
      'kernel/drivers/block/nbd.ko', ...common, 'kernel/fs/overlayfs/overlay.ko', 'kernel/fs/squashfs/squashfs.ko', 'kernel/lib/crc-itu-t.ko',
    ]);
    assert.match(nbd.dep, /^kernel\/drivers\/net\/ethernet\/intel\/e1000\/e1000\.ko: kernel\/lib\/crc-itu-t\.ko$/m);
    assert.match(nbd.dep, /^kernel\/lib\/crc-itu-t\.ko:$/m);
    assert.equal(nbd.dep.split('\n').length, nbd.files.length + 1);
    assert.equal(nbd.alias, [
      'alias block-major-43-* nbd',
      'alias pci:v00008086d0000100Esv*sd*bc*sc*i* e1000',
      'alias pci:v000010ECd00008168sv*sd*bc*sc*i* r8169',
      'alias mdio:0000000000011100110010010001???? realtek',
    ].join('\n') + '\n');
    // an nfs image: NFS v4 and what it needs, not RDMA; no nbd or squashfs
    const nfs = selectModules(findKernel(r)!, 'nfs');
    assert.deepEqual(nfs.files, [
      ...common, 'kernel/fs/nfs/nfs.ko', 'kernel/fs/nfs/nfsv4.ko', 'kernel/fs/overlayfs/overlay.ko', 'kernel/lib/crc-itu-t.ko', 'kernel/net/sunrpc/sunrpc.ko',
    ]);
    assert.match(nfs.alias, /^alias fs-nfs4 nfsv4$/m);
  } finally {
    rmSync(r, { recursive: true, force: true });
  }
});

test('initramfs: zstd only when the root\'s kernel config has CONFIG_RD_ZSTD=y, else gzip', () => {
  const r = fakeRoot();
  try {
    const k = findKernel(r)!;
    assert.equal(initramfsCompression(r, k), 'gzip'); // no config: gzip, which every kernel unpacks
    writeFileSync(join(r, 'boot/config-6.1.0-9-amd64'), 'CONFIG_RD_GZIP=y\n# CONFIG_RD_ZSTD is not set\n');
    assert.equal(initramfsCompression(r, k), 'gzip');
    writeFileSync(join(r, 'boot/config-6.1.0-9-amd64'), 'CONFIG_RD_GZIP=y\nCONFIG_RD_ZSTD=y\n');
    assert.equal(initramfsCompression(r, k), 'zstd');
    rmSync(join(r, 'boot/config-6.1.0-9-amd64'));
    writeFileSync(join(r, 'lib/modules/6.1.0-9-amd64/config'), 'CONFIG_RD_ZSTD=y\n');
    assert.equal(initramfsCompression(r, k), 'zstd');
  } finally {
    rmSync(r, { recursive: true, force: true });
  }
});

for (const compression of ['gzip', 'zstd'] as const) {
  test(`initramfs: a ${compression} newc archive cpio reads, with /dev/console, busybox, the modules and the scripts`, async (t) => {
    if (spawnSync('cpio', ['--version']).error) return t.skip('cpio is not installed');
    if (spawnSync(compression, ['--version']).error) return t.skip(`${compression} is not installed`);
    const r = fakeRoot();
    const dir = mkdtempSync(join(tmpdir(), 'ltsp-cpio-'));
    try {
      copyFileSync('/bin/busybox', join(r, 'usr/bin/busybox'));
      chmodSync(join(r, 'usr/bin/busybox'), 0o755);
      const entries = initramfsEntries({ root: r, kernel: findKernel(r)!, fallbackBusybox: [], scripts: { '/init': '#!/bin/sh\n' }, nbd: false });
      const packed = await cpioCompressed(entries, compression);
      // the magic the kernel's unpacker looks for
      assert.equal(packed.subarray(0, compression === 'gzip' ? 3 : 4).toString('hex'), compression === 'gzip' ? '1f8b08' : '28b52ffd');
      writeFileSync(join(dir, 'initrd'), packed);
      const list = spawnSync('sh', ['-c', `${compression} -dc <${dir}/initrd | cpio -t -v --quiet`], { encoding: 'utf8' });
      assert.equal(list.status, 0, list.stderr);
      assert.match(list.stdout, /^crw------- .* 5, +1 .* dev\/console$/m);
      assert.match(list.stdout, /^-rwxr-xr-x .* init$/m);
      assert.match(list.stdout, /^-rwxr-xr-x .* bin\/busybox$/m);
      assert.match(list.stdout, /^lrwxrwxrwx .* bin\/sh -> busybox$/m);
      assert.match(list.stdout, /lib\/modules\/6\.1\.0-9-amd64\/kernel\/drivers\/net\/ethernet\/intel\/e1000\/e1000\.ko$/m);
      assert.match(list.stdout, /lib\/modules\/6\.1\.0-9-amd64\/kernel\/fs\/nfs\/nfsv4\.ko$/m);
      assert.doesNotMatch(list.stdout, /mlx5|snd|3c589|bochs|nbd\.ko|squashfs/);
      // the same inputs, the same bytes
      assert.ok((await cpioCompressed(entries, compression)).equals(packed));
    } finally {
      rmSync(r, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('initramfs: an nbd image needs the root\'s nbd-client; a missing zstd is named', async () => {
  const r = fakeRoot();
  try {
    assert.throws(() => initramfsEntries({ root: r, kernel: findKernel(r)!, fallbackBusybox: [], scripts: {}, nbd: true }), /no static busybox in the root .*busybox-static/);
    copyFileSync('/bin/busybox', join(r, 'usr/bin/busybox'));
    assert.throws(() => initramfsEntries({ root: r, kernel: findKernel(r)!, fallbackBusybox: [], scripts: {}, nbd: true }), /no nbd-client in the root .*sys-block\/nbd/);
    await assert.rejects(cpioCompressed([], 'zstd', join(r, 'no-zstd')), /no-zstd: not installed \(emerge app-arch\/zstd; Debian: zstd\)/);
  } finally {
    rmSync(r, { recursive: true, force: true });
  }
});

test('image: a root without a kernel or without X is refused, saying what to install', () => {
  const r = fakeRoot();
  try {
    const img = { name: 'x', root: r, serve: 'nbd' as const, default: true };
    assert.equal(checkRoot(img).kernel.version, '6.1.0-9-amd64');
    rmSync(join(r, 'usr/bin/Xorg'));
    assert.throws(() => checkRoot(img), /image x \(root .*\): no X server .*x11-base\/xorg-server/);
    rmSync(join(r, 'boot'), { recursive: true });
    assert.throws(() => checkRoot(img), /no kernel with its modules .*sys-kernel\/gentoo-kernel-bin/);
    assert.throws(() => checkRoot({ ...img, root: join(r, 'none') }), /no such directory/);
  } finally {
    rmSync(r, { recursive: true, force: true });
  }
});

test('image: mksquashfs leaves out mount points, caches, host keys and the build machine\'s resolv.conf, and locks /etc/shadow', () => {
  const r = fakeRoot();
  try {
    mkdirSync(join(r, 'etc'));
    writeFileSync(join(r, 'etc/shadow'), 'root:$6$salt$hash:19000:0:99999:7:::\n', { mode: 0o640 });
    const args = squashfsArgs(r, '/x/lab.img.new', false);
    assert.deepEqual(args.slice(0, 4), [r, '/x/lab.img.new', '-noappend', '-comp']);
    assert.ok(args.includes('-no-progress'));
    const excl = args.slice(args.indexOf('-e') + 1);
    for (const e of ['proc/*', 'dev/*', 'tmp/*', 'etc/ssh/ssh_host_*', 'etc/resolv.conf', 'etc/shadow']) assert.ok(excl.includes(e), e);
    const pseudo = args[args.indexOf('-p') + 1];
    assert.match(pseudo, /^etc\/shadow f 640 \d+ \d+ sed /);
    // the pseudo file's command, run as mksquashfs runs it
    const out = spawnSync('sh', ['-c', pseudo.replace(/^etc\/shadow f \d+ \d+ \d+ /, '')], { encoding: 'utf8' });
    assert.equal(out.stdout, 'root:*:19000:0:99999:7:::\n');
    assert.ok(!squashfsArgs(r, '/x', true).includes('-no-progress'));
  } finally {
    rmSync(r, { recursive: true, force: true });
  }
});

test('image --check: a missing, foreign or truncated squashfs is not ready', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ltsp-img-'));
  try {
    assert.match(verifySquashfs(join(dir, 'none.img'))!, /missing/);
    writeFileSync(join(dir, 'x.img'), Buffer.alloc(200));
    assert.match(verifySquashfs(join(dir, 'x.img'))!, /not a squashfs/);
    const sb = Buffer.alloc(200);
    sb.writeUInt32LE(0x73717368, 0);
    sb.writeBigUInt64LE(4096n, 40);
    writeFileSync(join(dir, 'y.img'), sb);
    assert.match(verifySquashfs(join(dir, 'y.img'))!, /truncated: 200 bytes of 4096/);
    sb.writeBigUInt64LE(200n, 40);
    writeFileSync(join(dir, 'y.img'), sb);
    assert.equal(verifySquashfs(join(dir, 'y.img')), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('image --check: an image nobody (nbd-server) cannot read, by its mode or a directory above it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ltsp-img-'));
  try {
    const img = join(dir, 'images', 'lab.img');
    mkdirSync(join(dir, 'images'), { mode: 0o755 });
    writeFileSync(img, Buffer.alloc(200), { mode: 0o600 });
    chmodSync(dir, 0o700);
    assert.equal(closedToOthers(img), img);
    chmodSync(img, 0o644);
    assert.equal(closedToOthers(img), dir);
    chmodSync(dir, 0o711);
    assert.equal(closedToOthers(img), null);
    assert.equal(closedToOthers(join(dir, 'images', 'none.img')), null, 'a missing image is verifySquashfs\'s to report');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exports: an nfs image\'s root is exported read-only beside nfs.root', () => {
  const text = renderExports(load(TWO));
  assert.match(text, /^# image gentoo: .*\n\/srv\/ltsp\/gentoo\t192\.0\.2\.0\/24\(ro,sync,no_subtree_check,root_squash\)$/m);
  assert.doesNotMatch(text, /\/srv\/ltsp\/debian/);
});

test('initramfs: its key changes with a script, a file taken from the server or the compression, not otherwise', () => {
  const r = fakeRoot();
  try {
    copyFileSync('/bin/busybox', join(r, 'usr/bin/busybox'));
    chmodSync(join(r, 'usr/bin/busybox'), 0o755);
    const kernel = findKernel(r)!;
    const plan = (scripts: Record<string, string>) => initramfsPlan({ root: r, kernel, fallbackBusybox: [], scripts, nbd: false });
    const init = { '/init': '#!/bin/sh\necho one\n' };
    const key = initramfsKey(plan(init), 'gzip');
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.equal(initramfsKey(plan({ ...init }), 'gzip'), key);
    assert.notEqual(initramfsKey(plan({ '/init': '#!/bin/sh\necho two\n' }), 'gzip'), key);
    assert.notEqual(initramfsKey(plan(init), 'zstd'), key);
    // the plan names the server's files, unread; loadEntries reads them
    const busybox = plan(init).find((e) => e.path === '/bin/busybox')!;
    assert.equal(busybox.data, undefined);
    assert.equal(busybox.source, join(r, 'usr/bin/busybox'));
    assert.ok(loadEntries([busybox])[0].data!.equals(readFileSync('/bin/busybox')));
    // busybox replaced by the same bytes with the same mtime (cp -p): a new file all the same
    const st = statSync(join(r, 'usr/bin/busybox'));
    rmSync(join(r, 'usr/bin/busybox'));
    copyFileSync('/bin/busybox', join(r, 'usr/bin/busybox'));
    chmodSync(join(r, 'usr/bin/busybox'), 0o755);
    utimesSync(join(r, 'usr/bin/busybox'), st.atime, st.mtime);
    const key2 = initramfsKey(plan(init), 'gzip');
    assert.notEqual(key2, key);
    // a module the initramfs takes, rewritten
    writeFileSync(join(kernel.modules, 'kernel/drivers/net/ethernet/intel/e1000/e1000.ko'), 'e1000 rebuilt');
    assert.notEqual(initramfsKey(plan(init), 'gzip'), key2);
  } finally {
    rmSync(r, { recursive: true, force: true });
  }
});

test('initramfs: the key rides in an uncompressed archive before the compressed one, read back from the first bytes', async (t) => {
  if (spawnSync('cpio', ['--version']).error) return t.skip('cpio is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'ltsp-key-'));
  try {
    const key = 'ab'.repeat(32);
    const compressed = await cpioCompressed([{ path: '/init', kind: 'file', mode: 0o755, data: Buffer.from('#!/bin/sh\n') }], 'gzip');
    const packed = withKey(key, compressed);
    writeFileSync(join(dir, 'initrd.img'), packed);
    assert.equal(initramfsKeyOf(join(dir, 'initrd.img')), key);
    // the first archive as cpio reads it; the compressed one follows on a 4-byte boundary, whole
    const list = spawnSync('cpio', ['-t', '--quiet', '-F', join(dir, 'initrd.img')], { encoding: 'utf8' });
    assert.equal(list.stdout, 'lib\nlib/ltsp\nlib/ltsp/initramfs.key\n');
    const first = packed.length - compressed.length;
    assert.equal(first % 4, 0);
    assert.ok(packed.subarray(first).equals(compressed));
    // no key: an initramfs made otherwise, a compressed one, a missing file
    writeFileSync(join(dir, 'plain.img'), compressed);
    assert.equal(initramfsKeyOf(join(dir, 'plain.img')), null);
    writeFileSync(join(dir, 'other.img'), withKey('not a key', compressed));
    assert.equal(initramfsKeyOf(join(dir, 'other.img')), null);
    assert.equal(initramfsKeyOf(join(dir, 'missing.img')), null);
    // the key holds the file's length: one cut short (or grown) is made again, not reused
    writeFileSync(join(dir, 'cut.img'), packed.subarray(0, packed.length - 1));
    assert.equal(initramfsKeyOf(join(dir, 'cut.img')), null);
    writeFileSync(join(dir, 'grown.img'), Buffer.concat([packed, Buffer.alloc(4)]));
    assert.equal(initramfsKeyOf(join(dir, 'grown.img')), null);
    // only a regular file: a link to a good one is not followed, a FIFO not waited on
    symlinkSync(join(dir, 'initrd.img'), join(dir, 'link.img'));
    assert.equal(initramfsKeyOf(join(dir, 'link.img')), null);
    assert.equal(spawnSync('mkfifo', [join(dir, 'fifo.img')]).status, 0);
    assert.equal(initramfsKeyOf(join(dir, 'fifo.img')), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('image: an initramfs made of the same inputs is reused, the pair and its .old left alone; a changed input makes it again', () => {
  const r = fakeRoot();
  const dir = scratch('ltsp-reuse-');
  try {
    copyFileSync('/bin/busybox', join(r, 'usr/bin/busybox'));
    chmodSync(join(r, 'usr/bin/busybox'), 0o755);
    const site = (port: number) =>
      `${siteHead({ dhcp: 'primary' })}[tftp]\nroot = "${dir}/tftpboot"\n[syslog]\nudp_port = ${port}\n[[image]]\nname = "lab"\nroot = "${r}"\nserve = "nfs"\n`;
    writeFileSync(join(dir, 'site.toml'), site(514));
    const image = () => ltspcfg(['--config', join(dir, 'site.toml'), 'image'], { env: { LTSPCFG_CODE_CACHE: join(dir, 'cache') } });
    const boot = join(dir, 'tftpboot/ltsp/lab');
    const ino = (f: string) => statSync(join(boot, f)).ino;
    let run = image();
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /initrd\.img: [\d.]+ MiB \(gzip\) made in/);
    const first = { kernel: ino('vmlinuz'), initrd: ino('initrd.img') };
    run = image();
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /initrd\.img: [\d.]+ MiB \(gzip\) unchanged/);
    assert.match(run.stdout, /vmlinuz: unchanged/);
    assert.deepEqual({ kernel: ino('vmlinuz'), initrd: ino('initrd.img') }, first);
    // nothing was replaced: no .old
    assert.ok(!existsSync(join(boot, 'initrd.img.old')) && !existsSync(join(boot, 'vmlinuz.old')));
    // a reused pair's mode follows, as a new pair's would (tftpd serves world-readable files only)
    chmodSync(join(boot, 'initrd.img'), 0o600);
    run = image();
    assert.match(run.stdout, /unchanged/);
    assert.equal(statSync(join(boot, 'initrd.img')).mode & 0o777, 0o644);
    assert.equal(ino('initrd.img'), first.initrd);
    // a site value the init embeds (the syslog port): made again, the previous kept as .old
    writeFileSync(join(dir, 'site.toml'), site(5514));
    run = image();
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /made in/);
    assert.notEqual(ino('initrd.img'), first.initrd);
    assert.equal(ino('initrd.img.old'), first.initrd);
    // the root's kernel replaced: both made again
    writeFileSync(join(r, 'boot/vmlinuz-6.1.0-9-amd64'), 'kernel 2');
    run = image();
    assert.match(run.stdout, /made in/);
    assert.equal(readFileSync(join(boot, 'vmlinuz'), 'utf8'), 'kernel 2');
    // the initramfs in place replaced by hand (no key): made again
    writeFileSync(join(boot, 'initrd.img'), 'by hand');
    run = image();
    assert.match(run.stdout, /made in/);
    assert.equal(initramfsKeyOf(join(boot, 'initrd.img.old')), null);
    assert.match(initramfsKeyOf(join(boot, 'initrd.img')) ?? '', /^[0-9a-f]{64}$/);
  } finally {
    rmSync(r, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});
