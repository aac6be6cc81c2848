// The command line: help, version, exit codes, get, render, colour.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO, hashTree, ltspcfg, scratch } from '../support/cli';
import { parseSite } from '../../src/site/load';
import { answersOf, shellAssignments } from '../../src/commands/get';

const WIKI = join(REPO, 'examples/wiki-sample.toml');
const COMMANDS = ['status', 'apply', 'render', 'check', 'get', 'targets'];

test('--version prints package.json version', () => {
  const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  const r = ltspcfg(['--version']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), version);
});

test('--help works on the program and on every command, with the global options', () => {
  const main = ltspcfg(['--help']);
  assert.equal(main.code, 0);
  for (const c of COMMANDS) assert.match(main.stdout, new RegExp(`^  ${c}\\b`, 'm'));
  for (const c of COMMANDS) {
    const r = ltspcfg([c, '--help']);
    assert.equal(r.code, 0, `${c} --help`);
    for (const o of ['--gentoo', '--config', '--root', '--help']) assert.ok(r.stdout.includes(o), `${c} --help lists ${o}`);
  }
});

test('bad usage exits 2', () => {
  assert.equal(ltspcfg(['frobnicate']).code, 2);
  assert.equal(ltspcfg(['apply', '--bogus']).code, 2);
  assert.equal(ltspcfg(['get']).code, 2);
  const only = ltspcfg(['--config', WIKI, '--root', scratch(), 'apply', '--only', 'lts.cnf']);
  assert.equal(only.code, 2);
  assert.match(only.stderr, /unknown target "lts\.cnf"; did you mean "lts\.conf"\?/);
});

test('an unknown command is a usage error: exit 2, one line, did you mean, nothing written', () => {
  const root = scratch();
  const before = hashTree(root);
  const typo = ltspcfg(['--config', WIKI, '--root', root, 'stauts', '--yes']);
  assert.equal(typo.code, 2);
  assert.equal(typo.stdout, '');
  assert.equal(typo.stderr, 'ltspcfg-ts: unknown command "stauts"; did you mean "status"? commands: status, apply, render, check, get, clients, trace, image, service, targets\n');
  assert.equal(hashTree(root), before, 'nothing written under --root');
  for (const word of ['deploy', 'watch']) {
    const r = ltspcfg([word, '--help']);
    assert.equal(r.code, 2, `${word} --help`);
    assert.equal(r.stdout, '', `${word} --help prints no help`);
    assert.match(r.stderr, new RegExp(`^ltspcfg-ts: unknown command "${word}"; commands: status, `));
  }
});

test('every error is one line on stderr, never a stack trace', () => {
  const cases: [string[], number][] = [
    [['apply', '--dif'], 2],
    [['get'], 2],
    [['--config', WIKI, 'get', 'tftp'], 2],
    [['--root', '/no/such/dir', 'status'], 2],
    [['--config', WIKI, 'render', 'dhcp'], 2],
    [['--config', WIKI, 'render', 'firewall'], 1],
    [['--config', '/no/such/site.toml', 'status'], 2],
  ];
  for (const [args, code] of cases) {
    const r = ltspcfg(args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.split('\n').length, 2, `one line for ${args.join(' ')}: ${JSON.stringify(r.stderr)}`);
    assert.doesNotMatch(r.stderr, /\n\s+at |Error:/, 'no stack trace');
  }
  const write = ltspcfg(['--config', WIKI, '--root', '/proc', 'apply', '--yes', '--only', 'lts.conf']);
  assert.equal(write.code, 1, write.stderr);
  assert.match(write.stderr, /^ltspcfg-ts: cannot write \/proc\/opt\/ltsp\/i386\/etc\/lts\.conf: .*; nothing was changed\n$/);
});

test('get prints one value with defaults applied, and refuses unknown keys', () => {
  const get = (k: string) => ltspcfg(['--config', WIKI, 'get', k]);
  assert.equal(get('tftp.root').stdout, '/tftpboot\n');
  assert.equal(get('dhcp.port').stdout, '1067\n');
  assert.equal(get('dhcp.boot_unknown_clients').stdout, 'false\n');
  assert.equal(get('tftp.address').stdout, '192.168.0.254\n', 'derived default: the server address');
  assert.equal(get('tftp.blocksize').stdout, '1468\n', 'schema default');
  assert.equal(get('network.routers').stdout, '192.168.0.1\n');
  assert.equal(get('group[2].host[2].mac').stdout, '00:60:08:5c:cb:be\n');
  assert.equal(get('boot.serial_console').stdout, '\n', 'an unset optional key prints nothing');
  const typo = get('tftp.rot');
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /unknown key "tftp\.rot"; did you mean "tftp\.root"\?/);
  assert.equal(get('tftp').code, 2, 'a table is not a value');
});

test('get --shell: every key of a table and single keys, from one read, as sh reads them back', () => {
  const dir = scratch();
  const site = join(dir, 'site.toml');
  // a label with the characters a shell would expand or split on
  const label = 'Lab *  ~ & ( ) ? ! %s';
  writeFileSync(site, readFileSync(WIKI, 'utf8').replace(/^menu_label\s*=.*$/m, `menu_label = ${JSON.stringify(label)}`));
  const r = ltspcfg(['--config', site, 'get', '--shell', 'tftp', 'boot.menu_label', 'dhcp.port', 'network.routers']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^tftp_root='\/tftpboot'$/m);
  assert.match(r.stdout, /^tftp_address='192\.168\.0\.254'$/m, 'derived defaults, as get prints them');
  assert.match(r.stdout, /^tftp_data_ports=''$/m, 'an unset key is empty');
  const names = ['tftp_root', 'tftp_user', 'tftp_group', 'tftp_address', 'tftp_port', 'tftp_launcher', 'tftp_blocksize', 'tftp_data_ports', 'tftp_verbose', 'boot_menu_label', 'dhcp_port', 'network_routers'];
  assert.deepEqual(r.stdout.trim().split('\n').map((l) => l.split('=')[0]), names);
  const sh = spawnSync('sh', ['-euc', 'eval "$1"; shift; for v; do eval "x=\\${$v}"; printf "%s\\n" "$x"; done', 'sh', r.stdout, ...names], { encoding: 'utf8' });
  assert.equal(sh.status, 0, sh.stderr);
  const keys = names.map((n) => n.replace('_', '.'));
  assert.deepEqual(sh.stdout.split('\n').slice(0, -1), keys.map((k) => ltspcfg(['--config', site, 'get', k]).stdout.replace(/\n$/, '')));
  assert.equal(sh.stdout.split('\n')[9], label);
  // a value the schema would refuse still reaches sh unchanged (quotes, $, backslash, newline)
  const loaded = parseSite(readFileSync(site), site);
  const hostile = "it's $HOME \\ \"q\" \n;";
  (loaded.values as { boot: Record<string, unknown> }).boot.menu_label = hostile;
  const back = spawnSync('sh', ['-euc', 'eval "$1"; printf %s "$boot_menu_label"', 'sh', shellAssignments(answersOf(loaded), ['boot.menu_label'])], { encoding: 'utf8' });
  assert.equal(back.stdout, hostile, back.stderr);
  assert.equal(ltspcfg(['--config', site, 'get', 'tftp.root', 'tftp.user']).code, 2, 'several keys only with --shell');
  assert.equal(ltspcfg(['--config', site, 'get', '--shell', 'tftp.rot']).code, 2);
});

test('render prints exactly what apply writes', () => {
  const root = scratch();
  const r = ltspcfg(['--config', WIKI, '--root', root, 'render', 'lts.conf']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(ltspcfg(['--config', WIKI, '--root', root, 'apply', '--yes', '--only', 'lts.conf']).code, 0);
  assert.equal(readFileSync(join(root, 'opt/ltsp/i386/etc/lts.conf'), 'utf8'), r.stdout);
  const unknown = ltspcfg(['--config', WIKI, 'render', 'dhcp']);
  assert.equal(unknown.code, 2);
});

test('an ampersand in a value is written as is, not HTML-escaped', () => {
  const root = scratch();
  const site = join(root, 'site.toml');
  writeFileSync(site, readFileSync(WIKI, 'utf8').replace('SCREEN_01       = "startx"', 'SCREEN_01       = "startx"\nLABEL           = "Lab & Library"'));
  const r = ltspcfg(['--config', site, 'render', 'lts.conf']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^LABEL = Lab & Library$/m);
  assert.doesNotMatch(r.stdout, /&amp;/);
  // and through a Handlebars template
  writeFileSync(site, readFileSync(WIKI, 'utf8').replace('menu_label     = "LTSP 4.2 thin client"', 'menu_label     = "Lab & Library"'));
  const menu = ltspcfg(['--config', site, 'render', 'pxelinux', '--path', '/tftpboot/pxelinux.cfg/default']);
  assert.equal(menu.code, 0, menu.stderr);
  assert.match(menu.stdout, /^MENU TITLE Lab & Library$/m);
  assert.doesNotMatch(menu.stdout, /&amp;/);
});

test('no colour without a terminal or with NO_COLOR', () => {
  const r = ltspcfg(['--config', WIKI, '--root', scratch(), 'status']);
  assert.doesNotMatch(r.stdout, /\x1b\[/);
});

test('targets lists every target with a summary', () => {
  const r = ltspcfg(['targets']);
  assert.equal(r.code, 0);
  for (const t of ['lts.conf', 'hosts']) assert.match(r.stdout, new RegExp(`^${t.replace('.', '\\.')}\\t\\S`, 'm'));
});

test('on a terminal: colour, and a question before writing (no: nothing written, yes: written)', { skip: !existsSync('/usr/bin/script') && 'needs script(1) for a terminal' }, () => {
  const root = scratch();
  const onTty = (answer: string, env: NodeJS.ProcessEnv = {}) =>
    spawnSync('script', ['-qec', `${process.execPath} ${join(REPO, 'dist/ltspcfg-ts.js')} --root ${root} --config ${WIKI} apply --only lts.conf`, '/dev/null'], { input: answer, encoding: 'utf8', env: { ...process.env, NO_COLOR: undefined, ...env } }).stdout;
  const no = onTty('n\n');
  assert.match(no, /Write 1 change\(s\)\? \[y\/N\]/);
  assert.match(no, /\x1b\[32mcreate/, 'colour on a terminal');
  assert.match(no, /Nothing written\./);
  assert.ok(!existsSync(join(root, 'opt/ltsp/i386/etc/lts.conf')));
  const plain = onTty('n\n', { NO_COLOR: '1' });
  assert.doesNotMatch(plain, /\x1b\[3\dm/, 'NO_COLOR turns colour off');
  assert.match(onTty('y\n'), /Wrote 1 change\(s\)\./);
  assert.ok(existsSync(join(root, 'opt/ltsp/i386/etc/lts.conf')));
});

test('a reader that stops early (status | head) does not crash the program', () => {
  const r = spawnSync('sh', ['-c', `${process.execPath} ${join(REPO, 'dist/ltspcfg-ts.js')} --root ${scratch()} --config ${WIKI} status | head -1`], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.equal(r.stdout.split('\n').length, 2);
  assert.doesNotMatch(r.stderr, /EPIPE|Error/);
});
