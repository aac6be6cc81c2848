// Hostile values that are valid TOML and used to pass validation: each class
// with several variants (the fixture files in tests/fixtures/bad cover the rest).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync, copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSite } from '../../src/site/load';
import { PATH_CHARS } from '../../src/site/chars';
import { tftpRootProblem } from '../../src/site/path-rules';
import { REPO, ltspcfg, scratch } from '../support/cli';
import { siteError, siteHead } from '../support/site';

const minimal = siteHead({ address: '192.0.2.254', routers: ['192.0.2.1'] });

const problems = (text: string) => siteError(text)?.problems ?? [];

test('every path and file name key refuses what a target splits on', () => {
  const keys = [
    ['boot', 'pxe_filename', '/pxelinux.0'],
    ['boot', 'etherboot_file', '/lts/vmlinuz'],
    ['boot', 'kernel', '/lts/vmlinuz'],
    ['boot', 'initrd', '/lts/initrd.img'],
    ['tftp', 'root', '/tftpboot'],
    ['nfs', 'root', '/opt/ltsp/i386'],
    ['nfs', 'swapfiles', '/var/opt/ltsp/swapfiles'],
    ['syslog', 'log_dir', '/var/log/ltsp'],
  ];
  for (const [table, key, good] of keys) {
    assert.deepEqual(problems(`${minimal}[${table}]\n${key} = "${good}"\n`), [], `${table}.${key} = ${good}`);
    for (const c of [',', ':', ' ', ';', '=', '\\t', '@', '\\"', '\\u2028', '%', '*', '?', '~']) {
      const p = problems(`${minimal}[${table}]\n${key} = "${good}${c}x"\n`);
      assert.ok(p.some((x) => x.key === `${table}.${key}`), `${table}.${key} with ${JSON.stringify(c)} was accepted`);
    }
  }
  assert.ok(PATH_CHARS.test('/lts/vmlinuz-6.1.0+deb12_amd64.img'));
});

test('a host file name takes the same class as the site-wide ones', () => {
  for (const bad of ['/pxelinux.0,192.0.2.66', '/pxe linux.0', '/a:b', '/a=b']) {
    const p = problems(`${minimal}[[host]]\nname = "ws1"\nmac = "00:11:22:33:44:55"\nfilename = "${bad}"\n`);
    assert.ok(p.some((x) => x.key === 'host[1].filename'), bad);
  }
});

test('the TFTP root is an allow-rule: dedicated directories pass, system ones do not', () => {
  for (const ok of ['/tftpboot', '/tftproot', '/srv/tftp', '/srv/ltsp/boot', '/var/lib/tftpboot', '/opt/ltsp/tftpboot', '/tmp/lab/tftpboot', '/data/tftp'])
    assert.equal(tftpRootProblem(ok), null, ok);
  for (const bad of ['/', '/srv', '/var', '/opt', '/tmp', '/usr/share/tftp', '/usr/local/tftpboot', '/var/lib/ltsp-ts', '/var/lib/ltsp-ts/tftp', '/var/run/tftp', '/run/tftp', '/var/spool/tftp', '/boot', '/boot/tftp', '/home', '/home/lab/tftpboot', '/var/lib/mysql', '/etc/tftp', '/root/tftpboot', '/var/log/tftp', '/opt/vendor'])
    assert.ok(tftpRootProblem(bad), bad);
});

test('a TFTP root that leads to a system directory through a symlink is refused by its real path', () => {
  const root = scratch();
  mkdirSync(join(root, 'etc/ltsp'), { recursive: true });
  mkdirSync(join(root, 'var/spool/mail'), { recursive: true });
  mkdirSync(join(root, 'run/x'), { recursive: true });
  symlinkSync('var/spool/mail', join(root, 'tftpboot'));
  symlinkSync('run/x', join(root, 'srv-tftp'));
  for (const [dir, real] of [['/tftpboot', '/var/spool/mail'], ['/srv-tftp/tftpboot', null]] as const) {
    if (real === null) mkdirSync(join(root, 'run/x/tftpboot'));
    writeFileSync(join(root, 'etc/ltsp/site.toml'), `${minimal}[tftp]\nroot = "${dir}"\n`);
    for (const args of [['get', 'tftp.root'], ['apply', '--only', 'tftp-tree', '--yes'], ['check']]) {
      const r = ltspcfg(['--root', root, ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`:9:1: tftp\\.root: ${dir} leads to ${real ?? '/run/x/tftpboot'}: .* lies inside|is a system`), r.stderr);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    }
  }
  // the root may be reached through symlinked parents when it ends in a dedicated directory
  writeFileSync(join(root, 'etc/ltsp/site.toml'), `${minimal}[tftp]\nroot = "/srv/tftp"\n`);
  mkdirSync(join(root, 'data/tftp'), { recursive: true });
  mkdirSync(join(root, 'srv'));
  symlinkSync('../data/tftp', join(root, 'srv/tftp'));
  assert.equal(ltspcfg(['--root', root, 'get', 'tftp.root']).code, 0);
});

test('reserved names are refused for hosts and the server, in any case', () => {
  for (const name of ['localhost', 'LocalHost', 'ip6-localhost', 'ip6-loopback', 'broadcasthost']) {
    assert.ok(problems(`${minimal}[[host]]\nname = "${name}"\nmac = "00:11:22:33:44:55"\n`).some((p) => p.key === 'host[1].name'), name);
  }
  assert.ok(problems(minimal.replace('interface = "eth0"', 'interface = "eth0"\nhostname = "localhost"')).some((p) => p.key === 'server.hostname'));
});

test('keys named after Object members are unknown keys, wherever they stand', () => {
  for (const [where, key] of [['', '[hasOwnProperty]\nx = 1'], ['', '[valueOf]\nx = 1'], ['server', 'constructor = 1'], ['server', '__proto__ = 1'], ['dhcp', 'toString = "x"'], ['', '["__proto__"]\nx = 1']]) {
    const text = where ? minimal.replace(`[${where === 'server' ? 'server' : where}]`, `[${where}]\n${key}`) + (where === 'dhcp' ? `[dhcp]\n${key}\n` : '') : `${minimal}${key}\n`;
    const p = problems(text);
    assert.ok(p.length > 0 && p.every((x) => /unknown key/.test(x.problem)), `${key}: ${JSON.stringify(p)}`);
  }
});

test('get answers own keys only: no Object member, no stack trace', () => {
  const dir = scratch();
  const file = join(dir, 'site.toml');
  writeFileSync(file, minimal);
  for (const key of ['server.constructor', '__proto__', 'constructor', 'toString', 'server.__proto__', 'hasOwnProperty', 'group[1].constructor']) {
    const r = ltspcfg(['--config', file, 'get', key]);
    assert.notEqual(r.code, 0, `${key}: ${r.stdout}`);
    assert.doesNotMatch(r.stdout + r.stderr, /native code|function|at .*\.js:\d+/, key);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  }
});

test('a quoted key with control characters is echoed escaped, on one line, at its line', () => {
  for (const [key, shown] of [['x\\ny', 'x\\ny'], ['a\\u0007b', 'a\\x07b'], ['c\\rd', 'c\\rd'], ['e\\u2028f', 'e\\u2028f']]) {
    const p = problems(minimal.replace('interface = "eth0"', `interface = "eth0"\n"${key}" = 1`));
    const dir = scratch();
    const file = join(dir, 'site.toml');
    writeFileSync(file, minimal.replace('interface = "eth0"', `interface = "eth0"\n"${key}" = 1`));
    const r = ltspcfg(['--config', file, 'check']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, JSON.stringify(r.stderr));
    assert.ok(r.stderr.includes(`:5:1: server.${shown}: unknown key`), JSON.stringify(r.stderr));
    assert.equal(p.length, 1);
  }
});

test('the --config path never reaches a generated file raw', () => {
  const dir = scratch();
  const root = scratch();
  for (const name of ['site\nallow unknown-clients; authoritative;\n#.toml', 'site\r}\ntable inet x {.toml', 'site\u2028x.toml']) {
    const file = join(dir, name);
    copyFileSync(join(REPO, 'examples/primary.toml'), file);
    let rendered = 0;
    for (const target of [['dhcpd'], ['exports', '--path', '/etc/exports.d/ltsp-ts.exports'], ['lts.conf'], ['pxelinux', '--path', '/tftpboot/pxelinux.cfg/default']]) {
      const r = ltspcfg(['--root', root, '--config', file, 'render', ...target]);
      if (r.code !== 0) continue; // a target this site does not write
      const header = r.stdout.split('\n')[0];
      assert.match(header, /^# Generated by ltspcfg-ts from .*; edit that file, not this one\.$/, JSON.stringify(header));
      assert.doesNotMatch(r.stdout, /^allow unknown-clients|^table inet x/m, target.join(" "));
      assert.doesNotMatch(header, /[\r\u2028]/);
      rendered++;
    }
    assert.ok(rendered >= 3, `${rendered} targets rendered for ${JSON.stringify(name)}`);
  }
});

test('MAC-named lts.conf sections are written as LTSP reads them', () => {
  const text = readFileSync(join(REPO, 'examples/primary.toml'), 'utf8') + '\n[lts."52-54-00-ab-cd-ef"]\nSCREEN_01 = "startx"\n';
  const { site } = parseSite(text, 'site.toml');
  assert.ok(site.lts.some((s) => s.name === '52:54:00:AB:CD:EF'), JSON.stringify(site.lts.map((s) => s.name)));
});

test('addresses: network, broadcast, router and server clashes', () => {
  const cases: [string, string][] = [
    [minimal.replace('192.0.2.254', '192.0.2.0'), 'server.address'],
    [minimal.replace('192.0.2.254', '192.0.2.255'), 'server.address'],
    [minimal.replace('routers = ["192.0.2.1"]', 'routers = ["192.0.2.255"]'), 'network.routers[1]'],
    [minimal.replace('routers = ["192.0.2.1"]', 'routers = ["192.0.2.1", "192.0.2.0"]'), 'network.routers[2]'],
    [`${minimal}[[host]]\nname = "ws1"\nmac = "00:11:22:33:44:55"\naddress = "192.0.2.1"\n`, 'host[1].address'],
    [`${minimal}[[host]]\nname = "ws1"\nmac = "00:11:22:33:44:55"\naddress = "192.0.2.254"\n`, 'host[1].address'],
    [`${minimal}[[network.extra_subnet]]\nsubnet = "198.51.100.0/24"\nrouters = ["198.51.100.255"]\n`, 'network.extra_subnet[1].routers[1]'],
  ];
  for (const [text, key] of cases) assert.ok(problems(text).some((p) => p.key === key), key);
  // the server may well be the gateway
  assert.deepEqual(problems(minimal.replace('routers = ["192.0.2.1"]', 'routers = ["192.0.2.254"]')), []);
});

test('dhcp.port: a second dhcpd never listens or replies on 67/68', () => {
  for (const mode of ['port-1067', 'nfsroot'])
    for (const port of [66, 67, 68]) assert.ok(problems(`${minimal}[dhcp]\nmode = "${mode}"\nport = ${port}\n`).some((p) => p.key === 'dhcp.port'), `${mode} ${port}`);
  assert.deepEqual(problems(`${minimal}[dhcp]\nmode = "port-1067"\nport = 1067\n`), []);
  // primary mode's dhcpd is the network's own: dhcp.port is not its port
  assert.deepEqual(problems(`${minimal}[dhcp]\nmode = "primary"\nport = 67\n`), []);
});

test('NFS and log directories: overlaps refused', () => {
  const cases: [string, string][] = [
    ['[nfs]\nswapfiles = "/opt/ltsp/i386"', 'nfs.swapfiles'],
    ['[nfs]\nswapfiles = "/opt/ltsp"', 'nfs.swapfiles'],
    ['[nfs]\nswapfiles = "/opt/ltsp/i386/swap"', 'nfs.swapfiles'],
    ['[nfs]\nswapfiles = "/tftpboot/swap"', 'nfs.swapfiles'],
    ['[tftp]\nroot = "/srv/tftp"\n[nfs]\nswapfiles = "/srv"', 'nfs.swapfiles'],
    ['[syslog]\nlog_dir = "/"', 'syslog.log_dir'],
    ['[syslog]\nlog_dir = "/etc"', 'syslog.log_dir'],
    ['[syslog]\nlog_dir = "/tftpboot/logs"', 'syslog.log_dir'],
    ['[syslog]\nlog_dir = "/opt/ltsp/i386/var/log"', 'syslog.log_dir'],
  ];
  for (const [extra, key] of cases) assert.ok(problems(`${minimal}${extra}\n`).some((p) => p.key === key), extra);
});
