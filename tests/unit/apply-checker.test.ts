// apply and the real checker of a file it writes: the checker runs while apply
// finishes and shows its plan, and nothing is written before its verdict. The
// real dnsmasq accepts every file ltspcfg-ts generates, so a refusal comes from
// a dnsmasq first on PATH that refuses as dnsmasq does (its message names the
// file it was given); another one looks, while it checks, at whether anything
// is already on disk, then runs the real dnsmasq.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, hashTree, ltspcfg, scratch } from '../support/cli';
import { findProgram } from '../../src/system/checkers';

const PROXY = readFileSync(join(REPO, 'examples/proxy.toml'), 'utf8');
const CONF = '/etc/dnsmasq.d/ltsp-ts.conf';
const dnsmasq = findProgram('dnsmasq');

/** A scratch root, a site file and a bin directory for the stand-in checker (first on PATH). */
function setup(): { root: string; site: string; bin: string; log: string; run: (...extra: string[]) => ReturnType<typeof ltspcfg> } {
  const dir = scratch('ltspcfg-checker-');
  const root = join(dir, 'root');
  const bin = join(dir, 'bin');
  mkdirSync(root);
  mkdirSync(bin);
  const site = join(dir, 'site.toml');
  writeFileSync(site, PROXY);
  const log = join(dir, 'checker.log');
  const run = (...extra: string[]) =>
    ltspcfg(['--root', root, '--config', site, 'apply', '--yes', '--only', 'dnsmasq', ...extra], {
      env: { PATH: `${bin}:${process.env.PATH}`, CHECK_DEST: join(root, CONF), CHECK_LOG: log },
    });
  return { root, site, bin, log, run };
}

function standIn(bin: string, body: string): void {
  writeFileSync(join(bin, 'dnsmasq'), `#!/bin/sh\nfor a; do case $a in --conf-file=*) f=\${a#--conf-file=};; esac; done\n${body}\n`);
  chmodSync(join(bin, 'dnsmasq'), 0o755);
}

test('a checker that refuses: its message with the real path, exit 1, and the root untouched (files, backups, state, mtimes)', { skip: !dnsmasq && 'dnsmasq is not installed' }, () => {
  const { root, site, bin, run } = setup();
  const first = run();
  assert.equal(first.code, 0, first.stderr);
  const installed = readFileSync(join(root, CONF), 'utf8');
  // a site change that changes the file: the refused run would replace it (and keep the old one)
  writeFileSync(site, PROXY.replace('menu_label    = "Office thin client"', 'menu_label    = "Office client"'));
  // stderr first, then stdout: the message gives stdout, then stderr, as before the checker ran beside apply
  standIn(bin, 'echo "dnsmasq: bad option at line 3 of $f" >&2\necho "dnsmasq: read $f"\nexit 1');
  const before = hashTree(root);
  const refused = run();
  assert.equal(refused.code, 1, refused.stdout + refused.stderr);
  assert.match(refused.stdout, /^ {2}update {2}\/etc\/dnsmasq\.d\/ltsp-ts\.conf {2}\(dnsmasq: site\.toml changed\)$/m);
  assert.doesNotMatch(refused.stdout, /Wrote/);
  assert.equal(
    refused.stderr,
    `ltspcfg-ts: ${CONF}: dnsmasq --test refused the generated file:\ndnsmasq: read ${CONF}\ndnsmasq: bad option at line 3 of ${CONF}\nltspcfg-ts: nothing was written\n`,
  );
  assert.equal(hashTree(root), before, 'nothing written, not even a temporary file');
  assert.equal(readFileSync(join(root, CONF), 'utf8'), installed);
});

test('a refusal on a first apply leaves no directory and no temporary file behind', { skip: !dnsmasq && 'dnsmasq is not installed' }, () => {
  const { root, bin, run } = setup();
  standIn(bin, 'echo "dnsmasq: bad option at line 3 of $f" >&2\nexit 1');
  const refused = run();
  assert.equal(refused.code, 1, refused.stdout + refused.stderr);
  assert.match(refused.stderr, /^ltspcfg-ts: nothing was written$/m);
  assert.deepEqual(readdirSync(root), [], 'the staged files and the directories made for them are gone');
});

test('nothing is on disk while the checker runs; once it accepted, the file is in place with its state', { skip: !dnsmasq && 'dnsmasq is not installed' }, () => {
  const { root, bin, log, run } = setup();
  // a slow checker that looks for the file (or its directory) all along its run, 20 times 25 ms:
  // an apply that wrote before the verdict would be seen whenever it wrote
  standIn(bin, [
    'i=0',
    'while [ "$i" -lt 20 ]; do',
    '  if [ -e "$CHECK_DEST" ] || [ -e "${CHECK_DEST%/*}" ]; then echo written >>"$CHECK_LOG"; exec ' + dnsmasq + ' "$@"; fi',
    '  i=$((i + 1))',
    '  sleep 0.025',
    'done',
    'echo absent >>"$CHECK_LOG"',
    `exec ${dnsmasq} "$@"`,
  ].join('\n'));
  const first = run();
  assert.equal(first.code, 0, first.stdout + first.stderr);
  assert.match(first.stdout, /Wrote 1 change\(s\)\./);
  assert.equal(readFileSync(log, 'utf8'), 'absent\n');
  assert.ok(existsSync(join(root, CONF)));
  const state = JSON.parse(readFileSync(join(root, 'var/lib/ltsp-ts/state.json'), 'utf8')) as { files: Record<string, unknown> };
  assert.deepEqual(Object.keys(state.files), [CONF]);
  assert.deepEqual(readdirSync(join(root, 'etc/dnsmasq.d')), ['ltsp-ts.conf'], 'no temporary file left');
});
