// The overlay and its release: the tarball scripts/dist.mjs makes (reproducible, matching the
// committed Manifest), what the ebuild installs from it, the CLI it carries, the man page and the
// bash completion against the CLI's own help, metadata.xml against GLEP 68, shellcheck on the
// services.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, scratch } from '../support/cli';

const REFRESH = 'npm run dist (node scripts/dist.mjs)';
const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
const P = `ltsp-ts-${version}`;
const TARBALL = `${P}.tar.xz`;
const EBUILD = join(REPO, `net-misc/ltsp-ts/${P}.ebuild`);
const MTIME = 1767225600;

function sh(cmd: string, args: string[], opts: SpawnSyncOptions = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20, ...opts });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

let work = '';
let first = ''; // the tarball
let second = ''; // the same, built again
let top = ''; // first, unpacked: work/x/P

before(() => {
  work = scratch('ltsp-overlay-test-');
  for (const n of ['a', 'b']) {
    const r = sh(process.execPath, [join(REPO, 'scripts/dist.mjs'), '--out', join(work, n)], { cwd: REPO });
    assert.equal(r.code, 0, `dist.mjs --out: ${r.stderr}`);
  }
  first = join(work, 'a', TARBALL);
  second = join(work, 'b', TARBALL);
  mkdirSync(join(work, 'x'));
  assert.equal(sh('tar', ['-xJf', first, '-C', join(work, 'x')]).code, 0);
  top = join(work, 'x', P);
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

// ------------------------------------------------------------------ the tarball

interface TarEntry { name: string; mode: number; uid: number; gid: number; uname: string; gname: string; mtime: number; type: string }

/** The headers of an uncompressed tar stream. */
function tarEntries(tar: Buffer): TarEntry[] {
  const out: TarEntry[] = [];
  const str = (b: Buffer) => b.toString('latin1').replace(/\0.*$/s, '');
  const num = (b: Buffer) => parseInt(str(b).trim() || '0', 8);
  let longName: string | undefined;
  for (let off = 0; off + 512 <= tar.length;) {
    const h = tar.subarray(off, off + 512);
    if (h.every((x) => x === 0)) break;
    const size = num(h.subarray(124, 136));
    const type = String.fromCharCode(h[156]);
    const body = tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') { longName = str(body); continue; }
    out.push({
      name: longName ?? str(h.subarray(0, 100)),
      mode: num(h.subarray(100, 108)),
      uid: num(h.subarray(108, 116)),
      gid: num(h.subarray(116, 124)),
      mtime: num(h.subarray(136, 148)),
      type,
      uname: str(h.subarray(265, 297)),
      gname: str(h.subarray(297, 329)),
    });
    longName = undefined;
  }
  return out;
}

/** Files under dir, relative, depth first with each directory's entries sorted by name. */
function walk(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const n of readdirSync(join(dir, rel)).sort()) {
    const p = rel ? `${rel}/${n}` : n;
    if (lstatSync(join(dir, p)).isDirectory()) out.push(`${p}/`, ...walk(dir, p));
    else out.push(p);
  }
  return out;
}

test('the release tarball built twice is byte-identical', () => {
  const a = readFileSync(first);
  const b = readFileSync(second);
  assert.ok(a.length > 50_000, `${TARBALL} is ${a.length} bytes`);
  assert.ok(a.equals(b), `two builds of ${TARBALL} differ (${a.length} and ${b.length} bytes)`);
});

test('tarball entries: sorted, root:root 0:0, fixed modes, one fixed mtime, one top directory', () => {
  const xz = spawnSync('xz', ['-dc', first], { maxBuffer: 64 << 20 });
  assert.equal(xz.status, 0);
  const tar = xz.stdout;
  const entries = tarEntries(tar);
  assert.deepEqual(entries.map((e) => e.name), [`${P}/`, ...walk(top).map((p) => `${P}/${p}`)], 'entries in sorted order');
  for (const e of entries) {
    assert.equal(`${e.uid}:${e.gid} ${e.uname}:${e.gname}`, '0:0 root:root', e.name);
    assert.equal(e.mtime, MTIME, `${e.name}: mtime`);
    const executable = e.type === '5' || e.name === `${P}/ltspcfg-ts.js` || e.name.startsWith(`${P}/init.d/`);
    assert.equal(e.mode.toString(8), executable ? '755' : '644', `${e.name}: mode`);
    assert.ok(e.type === '0' || e.type === '5', `${e.name}: a regular file or a directory (type ${e.type})`);
  }
});

test('the committed Manifest matches the tarball', () => {
  const data = readFileSync(first);
  const hex = (algo: string) => createHash(algo).update(data).digest('hex');
  const line = `DIST ${TARBALL} ${data.length} BLAKE2B ${hex('blake2b512')} SHA512 ${hex('sha512')}`;
  const manifest = readFileSync(join(REPO, 'net-misc/ltsp-ts/Manifest'), 'utf8');
  const committed = manifest.split('\n').find((l) => l.startsWith(`DIST ${TARBALL} `));
  assert.equal(committed, line, `net-misc/ltsp-ts/Manifest is stale for the current sources; refresh it with: ${REFRESH}`);
  for (const l of manifest.split('\n').filter(Boolean)) assert.match(l, /^DIST \S+ \d+ BLAKE2B [0-9a-f]{128} SHA512 [0-9a-f]{128}$/, 'thin Manifest: DIST lines only');
});

test('the committed man page and completion hold the lists generated from the current CLI', () => {
  for (const f of ['man/ltspcfg-ts.8', 'completion/ltspcfg-ts.bash']) {
    assert.equal(readFileSync(join(REPO, f), 'utf8'), readFileSync(join(top, f), 'utf8'), `${f} is stale; refresh it with: ${REFRESH}`);
  }
});

test('dist.mjs --check agrees', () => {
  const r = sh(process.execPath, [join(REPO, 'scripts/dist.mjs'), '--check'], { cwd: REPO });
  assert.equal(r.code, 0, r.stderr);
});

// ------------------------------------------------------------------ the ebuild

/**
 * Runs the ebuild's src_install in the unpacked tarball with the install helpers replaced
 * by ones that check their source exists and log it with its destination: the paths
 * Portage would install, without Portage.
 */
function installLog(): { sources: Set<string>; dest: Map<string, string> } {
  const log = join(work, 'install.log');
  writeFileSync(log, '');

  const r = sh('bash', [join(REPO, 'tests/unit/overlay-install.bash'), top, log, EBUILD, P]);
  assert.equal(r.code, 0, `src_install: ${r.stderr}`);
  const sources = new Set<string>();
  const dest = new Map<string, string>();
  for (const line of readFileSync(log, 'utf8').split('\n').filter(Boolean)) {
    const [kind, path, what] = line.split(' ');
    if (kind === 'src') sources.add(path);
    else dest.set(path, what);
  }
  return { sources, dest };
}

/** Gentoo's names for the SPDX licences of the bundled npm packages. */
const GENTOO_LICENSE: Record<string, string> = {
  'MIT': 'MIT', 'ISC': 'ISC', 'BSD-3-Clause': 'BSD', 'BSD-2-Clause': 'BSD-2', 'Apache-2.0': 'Apache-2.0', '0BSD': '0BSD',
};

function ebuildVar(name: string): string {
  const m = new RegExp(`^${name}="([^"]*)"`, 'm').exec(readFileSync(EBUILD, 'utf8'));
  assert.ok(m, `${name} in the ebuild`);
  return m[1];
}

test('every path the ebuild installs is in the tarball, and every file of the tarball is installed or a licence text', () => {
  const { sources, dest } = installLog();
  const want: Record<string, string> = {
    '/usr/lib/ltsp-ts/ltspcfg-ts.js': 'exec',
    '/usr/lib/ltsp-ts/ltspcfg-ts.bundle.js': 'file',
    '/usr/lib/ltsp-ts/ltspcfg-ts.get.js': 'file',
    '/usr/lib/ltsp-ts/ltspcfg-ts.launch.js': 'file',
    '/usr/bin/ltspcfg-ts': 'symlink:../lib/ltsp-ts/ltspcfg-ts.js',
    '/etc/init.d/dhcpd.1067': 'exec',
    '/etc/conf.d/dhcpd.1067': 'file',
    '/etc/init.d/ltsp-tftpd': 'exec',
    '/etc/conf.d/ltsp-tftpd': 'file',
    '/etc/init.d/ltsp-nbd': 'exec',
    '/etc/conf.d/ltsp-nbd': 'file',
    '/etc/init.d/ltsp-httpd': 'exec',
    '/etc/conf.d/ltsp-httpd': 'file',
    '/etc/ltsp/site.toml': 'file',
    '/usr/share/man/man8/ltspcfg-ts.8': 'file',
    '/usr/share/bash-completion/completions/ltspcfg-ts': 'file',
    [`/usr/share/doc/${P}/README.md`]: 'file',
    '/var/lib/ltsp-ts': 'dir',
    '/var/opt/ltsp/swapfiles': 'dir',
  };
  for (const [path, kind] of Object.entries(want)) assert.equal(dest.get(path), kind, `the ebuild installs ${path} (${kind})`);
  // Portage's QA notice "installs into paths that should be created at runtime": the first run of
  // ltspcfg-ts makes /var/cache/ltsp-ts, the services their files under /run
  for (const path of dest.keys()) assert.doesNotMatch(path, /^\/(run|var\/run|var\/lock|var\/cache|var\/tmp)(\/|$)/, `the ebuild installs ${path}`);
  // src_prepare puts node's own path on the launcher's #! line (no env to run first), with at most
  // one option (Linux passes one argument), and it runs through it
  const launcher = join(top, 'ltspcfg-ts.js');
  assert.match(readFileSync(launcher, 'utf8').split('\n')[0], /^#!\/usr\/bin\/node( --[a-z-]+=\S+)?$/);
  const version = sh(launcher, ['--version'], { env: { ...process.env, LTSPCFG_CODE_CACHE: 'off' } });
  assert.equal(version.code, 0, version.stderr);
  assert.equal(version.stdout.trim(), JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version);
  for (const ex of readdirSync(join(REPO, 'examples'))) assert.ok(dest.has(`/usr/share/doc/${P}/examples/${ex}`), `example ${ex} installed`);

  // the rest of the tarball: the licence texts, whose licences the ebuild's LICENSE names
  const files = walk(top).filter((p) => !p.endsWith('/'));
  const ignored = files.filter((f) => !sources.has(f));
  const license = ebuildVar('LICENSE').split(/\s+/);
  assert.ok(license.includes('GPL-2+'), 'LICENSE names GPL-2+');
  const bundled = readFileSync(join(top, 'licenses/BUNDLED'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  const texts = new Set(['LICENSE', 'licenses/BUNDLED']);
  for (const line of bundled) {
    const [name, , spdx, ...paths] = line.split(' ');
    const gentoo = GENTOO_LICENSE[spdx];
    assert.ok(gentoo, `${name}: no Gentoo name known for licence ${spdx}; add it to GENTOO_LICENSE and the ebuild's LICENSE`);
    assert.ok(license.includes(gentoo), `${name} is ${spdx}: the ebuild's LICENSE must name ${gentoo}`);
    for (const p of paths) texts.add(p);
  }
  assert.deepEqual(ignored.filter((f) => !texts.has(f)), [], 'files in the tarball that the ebuild neither installs nor covers by LICENSE');
  for (const t of texts) assert.ok(files.includes(t), `${t} is in the tarball`);
  assert.equal(readFileSync(join(top, 'LICENSE'), 'utf8'), readFileSync(join(REPO, 'LICENSE'), 'utf8'));
  assert.match(readFileSync(join(top, 'LICENSE'), 'utf8'), /GNU GENERAL PUBLIC LICENSE\s+Version 2, June 1991/);
});

test('the npm packages inlined into the bundle all have their licence text in the tarball', () => {
  const names = readFileSync(join(top, 'licenses/BUNDLED'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(' ')[0]);
  for (const dep of Object.keys(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).dependencies)) {
    assert.ok(names.includes(dep), `${dep} listed in licenses/BUNDLED`);
    assert.ok(existsSync(join(top, 'licenses', dep)), `licenses/${dep}/`);
  }
});

test('the ebuild: version of package.json, EAPI 8, the release tarball, no compile, the expected dependencies', () => {
  const ebuilds = readdirSync(join(REPO, 'net-misc/ltsp-ts')).filter((f) => f.endsWith('.ebuild'));
  assert.ok(ebuilds.includes(`${P}.ebuild`), `net-misc/ltsp-ts/${P}.ebuild for package.json version ${version} (have: ${ebuilds.join(', ')})`);
  const text = readFileSync(EBUILD, 'utf8');
  assert.match(text, /^# Copyright \d{4}(-\d{4})? .+\n# Distributed under the terms of the GNU General Public License v2\n\nEAPI=8\n/);
  assert.match(ebuildVar('SRC_URI'), /^https:\/\/\S+\/\$\{P\}\.tar\.xz$/);
  assert.equal(ebuildVar('KEYWORDS'), '~amd64 ~x86');
  assert.equal(ebuildVar('SLOT'), '0');
  assert.doesNotMatch(text, /src_compile|src_configure|^\s*(npm|npx|yarn|node|esbuild|emake)\b/m, 'nothing is built on the user\'s machine');
  const rdepend = ebuildVar('RDEPEND');
  for (const dep of ['net-libs/nodejs', 'net-ftp/tftp-hpa', 'sys-boot/syslinux']) {
    assert.ok(rdepend.includes(dep), `RDEPEND has ${dep}`);
  }
  // the services ask ltspcfg-ts who holds their port (it reads /proc), not ss
  assert.ok(!rdepend.includes('sys-apps/iproute2'), 'RDEPEND has no sys-apps/iproute2');
  for (const script of readdirSync(join(REPO, 'init.d'))) {
    const text = readFileSync(join(REPO, 'init.d', script), 'utf8');
    assert.doesNotMatch(text, /^[^#]*\bss\s+-/m, `init.d/${script} runs no ss`);
    // whether the site calls for it, and who holds its port: ltspcfg-ts's rules (src/status/services.ts)
    assert.match(text, new RegExp(` service ${script.replace('.', '\\.')} "\\$@"`), `init.d/${script} asks \`ltspcfg-ts service ${script}\``);
    assert.equal(text.match(/service_allows --ports/g)?.length, 1, `init.d/${script} asks for its port once, at start`);
  }
  // a proxy-mode site, or one whose root an NFS server elsewhere exports, pulls in neither
  assert.match(rdepend, /^\s*dhcpd\? \( net-misc\/dhcp\[server\] \)$/m);
  assert.match(rdepend, /^\s*nfs\? \( net-fs\/nfs-utils \)$/m);
  assert.deepEqual(ebuildVar('IUSE').split(/\s+/).filter((f) => f.startsWith('+')).sort(), ['+dhcpd', '+nfs'], 'the classic site by default');
  assert.equal(ebuildVar('REQUIRED_USE'), '?? ( rsyslog syslog-ng )');
  // pkg_postinst names the next commands: the services it names are the ones installed
  const postinst = text.slice(text.indexOf('pkg_postinst()'));
  const services = [...postinst.matchAll(/rc-update add (\S+) default && rc-service \1 start/g)].map((m) => m[1]);
  assert.deepEqual(services.sort(), readdirSync(join(REPO, 'init.d')).sort(), 'pkg_postinst: one rc-update line per service');
  assert.match(postinst, /elog "\s*ltspcfg-ts --gentoo"/);
  const engines = /(\d+)/.exec(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).engines.node)![1];
  assert.ok(rdepend.includes(`>=net-libs/nodejs-${engines}`), `RDEPEND: nodejs >= ${engines} as package.json's engines`);
  // pkgcheck-style: tabs, no trailing blanks, no deprecated helpers, every ${D}/${ED} quoted
  for (const [i, line] of text.split('\n').entries()) {
    assert.doesNotMatch(line, /[ \t]$/, `line ${i + 1}: trailing whitespace`);
    assert.doesNotMatch(line, /^ +\S/, `line ${i + 1}: indented with spaces`);
    assert.doesNotMatch(line, /\b(dohtml|dolib|dosed|prepalldocs|einstall|useq|hasq)\b/, `line ${i + 1}: deprecated helper`);
    assert.doesNotMatch(line, /(^|[^"])\$\{?E?D\}?\//, `line ${i + 1}: unquoted \${D}/\${ED}`);
  }
});

test('overlay metadata: layout.conf and repo_name', () => {
  const name = readFileSync(join(REPO, 'profiles/repo_name'), 'utf8');
  assert.equal(name, 'ltsp-ts\n');
  const layout = Object.fromEntries(readFileSync(join(REPO, 'metadata/layout.conf'), 'utf8').split('\n')
    .filter((l) => l.trim() && !l.startsWith('#')).map((l) => l.split('=').map((s) => s.trim())));
  assert.equal(layout['repo-name'], 'ltsp-ts');
  assert.equal(layout['masters'], 'gentoo');
  assert.equal(layout['thin-manifests'], 'true');
  assert.equal(layout['sign-manifests'], 'false');
  assert.equal(layout['cache-formats'], 'md5-dict');
  // pkgcheck: the npm package's directories at the root are not categories; that one result is off, with its reason
  const pkgcheck = readFileSync(join(REPO, 'metadata/pkgcheck.conf'), 'utf8');
  assert.match(pkgcheck, /^\[ltsp-ts\]\nkeywords = -UnknownCategoryDirs\n$/m);
  assert.deepEqual(pkgcheck.split('\n').filter((l) => l.trim() && !l.startsWith('#')), ['[ltsp-ts]', 'keywords = -UnknownCategoryDirs']);
  assert.match(pkgcheck, /^# .*UnknownCategoryDirs/m, 'a comment says why');
  assert.match(readFileSync(join(REPO, 'overlay/ltsp-ts.conf'), 'utf8'), /^\[ltsp-ts\]\nlocation = \/var\/db\/repos\/ltsp-ts\nsync-type = git\nsync-uri = https:\/\/\S+\.git$/m);
});

// GLEP 68 as a DTD: the elements, attributes and values metadata.xml may use
const GLEP68_DTD = `
<!ELEMENT pkgmetadata ((maintainer|natural-name|longdescription|slots|stabilize-allarches|use|upstream)*)>
<!ELEMENT maintainer (email, name?, description?)>
<!ATTLIST maintainer type (person|project) #REQUIRED proxied (yes|no|proxy) "no" restrict CDATA #IMPLIED>
<!ELEMENT email (#PCDATA)>
<!ELEMENT name (#PCDATA)>
<!ELEMENT description (#PCDATA)>
<!ATTLIST description lang CDATA #IMPLIED>
<!ELEMENT natural-name (#PCDATA)>
<!ELEMENT longdescription (#PCDATA|pkg|cat)*>
<!ATTLIST longdescription lang CDATA "en" restrict CDATA #IMPLIED>
<!ELEMENT slots (subslots|slot)*>
<!ELEMENT slot (#PCDATA)>
<!ATTLIST slot name CDATA #REQUIRED>
<!ELEMENT subslots (#PCDATA)>
<!ELEMENT stabilize-allarches EMPTY>
<!ELEMENT use (flag)*>
<!ATTLIST use lang CDATA "en">
<!ELEMENT flag (#PCDATA|pkg|cat)*>
<!ATTLIST flag name CDATA #REQUIRED restrict CDATA #IMPLIED>
<!ELEMENT pkg (#PCDATA)>
<!ELEMENT cat (#PCDATA)>
<!ELEMENT upstream (maintainer|changelog|doc|bugs-to|remote-id)*>
<!ELEMENT changelog (#PCDATA)>
<!ELEMENT doc (#PCDATA)>
<!ATTLIST doc lang CDATA "en">
<!ELEMENT bugs-to (#PCDATA)>
<!ELEMENT remote-id (#PCDATA)>
<!ATTLIST remote-id type (bitbucket|codeberg|cpan|cpan-module|cran|ctan|freedesktop-gitlab|gentoo|github|gitlab|gnome-gitlab|google-code|hackage|heptapod|kde-invent|launchpad|osdn|pear|pecl|pypi|rubygems|savannah|savannah-nongnu|sourceforge|sourcehut|vim) #REQUIRED>
`;

test('metadata.xml: well-formed, GLEP 68 elements and attributes, one flag per IUSE entry', () => {
  const file = join(REPO, 'net-misc/ltsp-ts/metadata.xml');
  const xml = readFileSync(file, 'utf8');
  assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<!DOCTYPE pkgmetadata SYSTEM "https:\/\/www\.gentoo\.org\/dtd\/metadata\.dtd">\n<pkgmetadata>/);
  const dtd = join(work, 'glep68.dtd');
  writeFileSync(dtd, GLEP68_DTD);
  const r = sh('xmllint', ['--noout', '--nonet', '--dtdvalid', dtd, file]);
  assert.equal(r.code, 0, `xmllint: ${r.stderr}`);
  assert.match(xml, /<maintainer type="project">\n\t\t<email>[^<@]+@[^<]+<\/email>/);
  assert.doesNotMatch(xml, /@example\.(org|com|net)|@localhost/, 'no placeholder address');
  const flags = [...xml.matchAll(/<flag name="([^"]+)">/g)].map((m) => m[1]).sort();
  const iuse = ebuildVar('IUSE').split(/\s+/).filter(Boolean).map((f) => f.replace(/^[+-]/, '')).sort();
  assert.deepEqual(flags, iuse, 'every USE flag described, and only those');
  for (const m of xml.matchAll(/<pkg>([^<]+)<\/pkg>/g)) assert.ok(ebuildVar('RDEPEND').includes(m[1]), `flag text names ${m[1]}, which RDEPEND pulls in`);
});

test('shellcheck passes on the services (init.d, conf.d) and the completion', () => {
  const init = readdirSync(join(REPO, 'init.d')).map((f) => join(REPO, 'init.d', f));
  const conf = readdirSync(join(REPO, 'conf.d')).map((f) => join(REPO, 'conf.d', f));
  assert.ok(init.length >= 1);
  let r = sh('shellcheck', ['--shell=sh', ...init]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  // conf.d files are sourced by their service: variables set there are used elsewhere
  r = sh('shellcheck', ['--shell=sh', '--exclude=SC2034', ...conf]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  r = sh('shellcheck', ['--shell=bash', join(top, 'completion/ltspcfg-ts.bash')]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  for (const f of init) assert.match(readFileSync(f, 'utf8'), /^#!\/sbin\/openrc-run\n/, `${f}: openrc-run`);
});

// ------------------------------------------------------------------ the CLI it carries

test('the CLI from the unpacked tarball runs with node alone, without node_modules', () => {
  const dir = scratch('ltsp-overlay-cli-');
  try {
    for (const f of ['ltspcfg-ts.js', 'ltspcfg-ts.bundle.js', 'ltspcfg-ts.get.js', 'ltspcfg-ts.launch.js']) copyFileSync(join(top, f), join(dir, f));
    mkdirSync(join(dir, 'examples'));
    copyFileSync(join(top, 'examples/wiki-sample.toml'), join(dir, 'examples/wiki-sample.toml'));
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1' }; // no NODE_PATH, no NODE_OPTIONS
    const run = (...args: string[]) => sh(process.execPath, [join(dir, 'ltspcfg-ts.js'), ...args], { cwd: dir, env });
    const v = run('--version');
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stdout.trim(), version);
    const lts = run('--config', 'examples/wiki-sample.toml', 'render', 'lts.conf');
    assert.equal(lts.code, 0, lts.stderr);
    assert.equal(lts.stdout, readFileSync(join(REPO, 'tests/golden/wiki-sample/opt/ltsp/i386/etc/lts.conf'), 'utf8'));
    const get = run('--config', 'examples/wiki-sample.toml', 'get', 'tftp.root');
    assert.equal(get.stdout, '/tftpboot\n');
    assert.ok(!existsSync(join(dir, 'node_modules')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ------------------------------------------------------------------ man page and completion

const cliCache = new Map<string, string>();
const cli = (...args: string[]) => {
  const cached = cliCache.get(args.join('\0'));
  if (cached !== undefined) return cached;
  const r = sh(process.execPath, [join(top, 'ltspcfg-ts.js'), ...args], { env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(r.code, 0, `ltspcfg-ts ${args.join(' ')}: ${r.stderr}`);
  cliCache.set(args.join('\0'), r.stdout);
  return r.stdout;
};

function helpOptions(help: string): string[] {
  const section = /\nOptions:\n([\s\S]*?)(\n\S|$)/.exec(help);
  return section ? [...section[1].matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]) : [];
}

/** The options each section of the man page defines (.TP headers), by .SS or .SH name. */
function manDefinitions(man: string): Map<string, Set<string>> {
  const defs = new Map<string, Set<string>>();
  let section = '';
  const lines = man.split('\n');
  lines.forEach((line, i) => {
    const ss = /^\.S[SH] "?([^"\s]+(?: command\))?)/.exec(line);
    if (ss) { section = ss[1].replace(/^\(no$/, '(no command)'); defs.set(section, defs.get(section) ?? new Set()); }
    if (lines[i - 1] === '.TP') for (const m of line.matchAll(/\\-\\-([\w\\-]+)/g)) defs.get(section)!.add('--' + m[1].replace(/\\-/g, '-'));
  });
  return defs;
}

test('the man page documents every command and option the CLI\'s --help lists, and no other', () => {
  const man = readFileSync(join(top, 'man/ltspcfg-ts.8'), 'utf8');
  const defs = manDefinitions(man);
  const top_ = cli('--help');
  const commands = [...(/\nCommands:\n([\s\S]*?)(\n\S|$)/.exec(top_)![1].matchAll(/^ {2}([a-z][\w-]*)/gm))].map((m) => m[1]).filter((c) => c !== 'help');
  assert.ok(commands.length >= 6, commands.join(' '));
  const global = defs.get('OPTIONS')!;
  const inCommands = man.slice(man.indexOf('.SH COMMANDS'), man.indexOf('.SH OPTIONS'));
  assert.deepEqual([...inCommands.matchAll(/^\.SS "?([a-z][\w-]*)/gm)].map((m) => m[1]), commands, 'COMMANDS: one subsection per command, in the order of --help');

  const check = (name: string, help: string, own: Set<string>) => {
    const opts = helpOptions(help);
    for (const o of opts) assert.ok(own.has(o) || global.has(o), `ltspcfg-ts(8) does not document ${o} of ${name}`);
    for (const o of own) assert.ok(opts.includes(o), `ltspcfg-ts(8) documents ${o} under ${name}, which its --help does not list`);
  };
  check('ltspcfg-ts', top_, defs.get('(no command)') ?? new Set());
  for (const c of commands) {
    const help = cli(c, '--help');
    check(c, help, defs.get(c)!);
    const args = [...help.split('\n')[0].matchAll(/<(\w+)>/g)].map((m) => m[1]);
    for (const a of args) assert.match(man, new RegExp(`^\\.SS "${c} \\\\fI${a}\\\\fP"$`, 'm'), `the ${c} subsection names its argument ${a}`);
  }
  for (const o of global) {
    if (o === '--version') continue;
    for (const c of commands) assert.ok(helpOptions(cli(c, '--help')).includes(o), `OPTIONS says every command takes ${o}; ${c} --help does not list it`);
  }
  // the generated sections: every target and every key
  for (const line of cli('targets').trim().split('\n')) assert.ok(man.includes(`.B ${line.split('\t')[0].replace(/-/g, '\\-')}\n`), `TARGETS lists ${line.split('\t')[0]}`);
  assert.match(man, /^\.SS \[tftp\]$/m);
  assert.match(man, /^\.SS \[\[group\.host\]\]$/m);
});

test('the man page formats without groff warnings', (t) => {
  if (sh('sh', ['-c', 'command -v groff']).code !== 0) return t.skip('groff is not installed');
  const r = sh('groff', ['-man', '-ww', '-z', '-Tutf8', join(top, 'man/ltspcfg-ts.8')]);
  assert.equal(r.code, 0);
  assert.equal(r.stderr, '', 'groff warnings');
});

/** What the completion offers for a command line; the last word is the one completed. */
function complete(...words: string[]): string[] {
  const script = `
source "$1"; shift
COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
_ltspcfg_ts
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = sh('bash', ['--norc', '--noprofile', '-c', script, 'complete', join(top, 'completion/ltspcfg-ts.bash'), ...words]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).sort();
}

test('bash completion: commands, options of each command, targets, site.toml keys', () => {
  const targets = cli('targets').trim().split('\n').map((l) => l.split('\t')[0]).sort();
  assert.deepEqual(complete('ltspcfg-ts', ''), ['apply', 'check', 'clients', 'get', 'image', 'render', 'service', 'status', 'targets', 'trace']);
  assert.deepEqual(complete('ltspcfg-ts', 're'), ['render']);
  assert.deepEqual(complete('ltspcfg-ts', '--config', 'site.toml', 'st'), ['status']);
  assert.deepEqual(complete('ltspcfg-ts', 'render', ''), targets);
  assert.deepEqual(complete('ltspcfg-ts', 'render', 'lts.conf', ''), [], 'render takes one target');
  assert.deepEqual(complete('ltspcfg-ts', 'apply', '--d'), ['--diff', '--dry-run']);
  assert.deepEqual(complete('ltspcfg-ts', 'status', '--j'), ['--json']);
  assert.deepEqual(complete('ltspcfg-ts', '--v'), ['--version']);
  assert.deepEqual(complete('ltspcfg-ts', 'apply', '--only', 'lts.conf,pxe'), ['lts.conf,pxelinux']);
  assert.deepEqual(complete('ltspcfg-ts', 'get', 'tftp.ro'), ['tftp.root']);
  assert.deepEqual(complete('ltspcfg-ts', 'get', 'group[1].host[1].ma'), ['group[1].host[1].mac']);
  const keys = complete('ltspcfg-ts', 'get', '');
  for (const k of ['server.address', 'dhcp.mode', 'nfs.swapfiles', 'host[1].mac']) assert.ok(keys.includes(k), `get completes ${k}`);
  // a sample of the keys (one node start each): the CLI accepts what the completion offers
  for (const k of keys.filter((k, i) => i % 7 === 0 || k.includes('['))) {
    const r = sh(process.execPath, [join(top, 'ltspcfg-ts.js'), '--config', join(top, 'examples/wiki-sample.toml'), 'get', k]);
    assert.notEqual(r.code, 2, `get ${k}: ${r.stderr}`);
  }
});
