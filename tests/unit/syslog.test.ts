// Remote syslog: golden files for the three daemons on every example; the real
// parsers on every generated file (syslog-ng --syntax-only through the
// target's own checker, and on a whole Gentoo-style syslog-ng.conf including
// it; rsyslogd -N1 from Debian's rsyslog package unpacked in a cache, since it
// cannot be installed beside syslog-ng-core); the include and conf.d edits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Site } from '../../src/site/types';
import { runChecker, findProgram } from '../../src/system/checkers';
import {
  RSYSLOG_FILE,
  SYSKLOGD_CONFD,
  SYSKLOGD_FILE,
  SYSLOG_NG_FILE,
  SYSLOG_NG_MAIN,
  syslog,
  syslogDaemon,
  syslogItems,
} from '../../src/targets/syslog';
import type { SyslogDaemon } from '../../src/site/schema';
import type { FileEdit, PlannedItem, WholeFile } from '../../src/targets/types';
import { rsyslogd } from '../support/debtools';
import { examples, fixture, golden } from '../support/golden';

const syslogNg = findProgram('syslog-ng');

function file(items: PlannedItem[], path: string): WholeFile {
  const f = items.find((i): i is WholeFile => i.kind === 'file' && i.path === path);
  assert.ok(f, `no file ${path}`);
  return f;
}

function edit(items: PlannedItem[], path: string): FileEdit {
  const e = items.find((i): i is FileEdit => i.kind === 'edit' && i.path === path);
  assert.ok(e, `no edit of ${path}`);
  return e;
}

function withTemp<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'ltsp-syslog-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function withSyslog(site: Site, changes: Partial<Site['syslog']>): Site {
  return { ...site, syslog: { ...site.syslog, ...changes } };
}

for (const { name, site } of examples()) {
  test(`syslog: golden files of the three daemons for ${name}`, () => {
    const ng = syslogItems(site, 'syslog-ng');
    golden(name, SYSLOG_NG_FILE, file(ng, SYSLOG_NG_FILE).content);
    golden(name, SYSLOG_NG_MAIN, edit(ng, SYSLOG_NG_MAIN).edit(fixture('syslog-ng.conf')));
    golden(name, RSYSLOG_FILE, file(syslogItems(site, 'rsyslog'), RSYSLOG_FILE).content);
    const kl = syslogItems(site, 'sysklogd');
    golden(name, SYSKLOGD_FILE, file(kl, SYSKLOGD_FILE).content);
    golden(name, SYSKLOGD_CONFD, edit(kl, SYSKLOGD_CONFD).edit(fixture('conf.d-sysklogd')));
  });

  test(`syslog: ${name}: syslog-ng accepts the conf.d file (the target's own checker)`, { skip: !syslogNg && 'syslog-ng is not installed' }, () => {
    for (const variant of [site, withSyslog(site, { tcpPort: 0 }), withSyslog(site, { udpPort: 0 })]) {
      const f = file(syslogItems(variant, 'syslog-ng'), SYSLOG_NG_FILE);
      assert.deepEqual(runChecker(f.checker!, f.path, Buffer.from(f.content)), { result: 'accepted', label: 'syslog-ng --syntax-only' });
    }
  });

  test(`syslog: ${name}: syslog-ng accepts a Gentoo syslog-ng.conf that includes the file through the marked block`, { skip: !syslogNg && 'syslog-ng is not installed' }, () => {
    withTemp((dir) => {
      const items = syslogItems(site, 'syslog-ng');
      const fragment = join(dir, 'ltsp-ts.conf');
      writeFileSync(fragment, file(items, SYSLOG_NG_FILE).content);
      const main = edit(items, SYSLOG_NG_MAIN).edit(fixture('syslog-ng.conf')).replace(SYSLOG_NG_FILE, fragment);
      writeFileSync(join(dir, 'syslog-ng.conf'), main);
      const r = spawnSync(syslogNg!, ['--syntax-only', '-f', join(dir, 'syslog-ng.conf')], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 0, r.stderr);
      // and syslog-ng's own view of the result has our source, filter and per-host file
      const p = spawnSync(syslogNg!, ['--preprocess-into', join(dir, 'full.conf'), '-f', join(dir, 'syslog-ng.conf')], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(p.status, 0, p.stderr);
      const full = readFileSync(join(dir, 'full.conf'), 'utf8');
      for (const part of ['source s_ltsp_ts_clients', 'filter f_ltsp_ts_clients', 'destination d_ltsp_ts_clients', 'source src']) assert.ok(full.includes(part), part);
    });
  });

  test(`syslog: ${name}: rsyslogd -N1 accepts the rsyslog.d file`, () => {
    const tool = rsyslogd();
    withTemp((dir) => {
      for (const [i, variant] of [site, withSyslog(site, { tcpPort: 0 }), withSyslog(site, { udpPort: 0 })].entries()) {
        const f = file(syslogItems(variant, 'rsyslog'), RSYSLOG_FILE);
        assert.deepEqual(f.checker, { program: 'rsyslogd', args: ['-N1', '-f', '{}'], label: 'rsyslogd -N1' });
        const path = join(dir, `ltsp-ts-${i}.conf`);
        writeFileSync(path, f.content);
        const r = spawnSync(tool.bin, ['-N1', '-M', tool.moduleDir, '-f', path], { encoding: 'utf8', env: tool.env, timeout: 30_000 });
        assert.equal(r.status, 0, `rsyslogd refused ${name}:\n${r.stdout}${r.stderr}`);
        assert.match(`${r.stdout}${r.stderr}`, /End of config validation run/);
      }
    });
  });

  test(`syslog: ${name}: only the thin-client subnets, on the server address, to one file per host`, () => {
    const ng = file(syslogItems(site, 'syslog-ng'), SYSLOG_NG_FILE).content;
    for (const s of site.network.subnets) assert.ok(ng.includes(`netmask("${s.cidr}")`));
    assert.equal((ng.match(/netmask\(/g) ?? []).length, site.network.subnets.length);
    assert.ok(ng.includes(`network(ip("${site.server.address}") transport("udp") port(514)`));
    assert.ok(ng.includes(`network(ip("${site.server.address}") transport("tcp") port(5140)`));
    assert.ok(ng.includes(`file("${site.syslog.logDir}/\${HOST}.log"`));
    const rs = file(syslogItems(site, 'rsyslog'), RSYSLOG_FILE).content;
    assert.equal((rs.match(/ip42num\(\$fromhost-ip\) >= /g) ?? []).length, site.network.subnets.length);
    assert.ok(rs.includes(`input(type="imudp" address="${site.server.address}" port="514" ruleset="ltsp_ts_clients")`));
    assert.ok(rs.includes(`string="${site.syslog.logDir}/%fromhost%.log"`));
  });
}

test('syslog: a broken fragment is refused by the syslog-ng checker, with syslog-ng\'s message', { skip: !syslogNg && 'syslog-ng is not installed' }, () => {
  const { site } = examples()[0];
  const f = file(syslogItems(site, 'syslog-ng'), SYSLOG_NG_FILE);
  const out = runChecker(f.checker!, f.path, Buffer.from(f.content.replace('netmask(', 'netmusk(')));
  assert.equal(out.result, 'refused');
  assert.match(out.result === 'refused' ? out.output : '', /netmusk|syntax error/i);
});

test('syslog: the syslog-ng check is skipped, not refused, where syslog-ng is not installed', () => {
  const { site } = examples()[0];
  const f = file(syslogItems(site, 'syslog-ng'), SYSLOG_NG_FILE);
  assert.equal(f.checker!.requires, 'syslog-ng');
  const out = runChecker({ ...f.checker!, requires: 'syslog-ng-not-here' }, f.path, Buffer.from(f.content));
  assert.deepEqual(out, { result: 'skipped', label: 'syslog-ng --syntax-only', why: 'syslog-ng-not-here is not installed' });
});

test('syslog: the daemon: site.toml first, then the detected one, then syslog-ng with a note', () => {
  const { site } = examples().find((e) => e.name === 'wiki-sample')!;
  assert.equal(site.syslog.daemon, 'auto');
  assert.deepEqual(syslogDaemon(site, 'rsyslog'), { daemon: 'rsyslog', how: 'detected' });
  assert.deepEqual(syslogDaemon(site, undefined), { daemon: 'syslog-ng', how: 'default' });
  const chosen = { ...site, syslog: { ...site.syslog, daemon: 'sysklogd' as const } };
  assert.deepEqual(syslogDaemon(chosen, 'rsyslog'), { daemon: 'sysklogd', how: 'site.toml' });
  assert.match(syslog.notes!(site, { gentoo: true }).join('\n'), /no syslog daemon detected .*configuring syslog-ng; set syslog\.daemon/);
  assert.deepEqual(syslog.notes!(site, { gentoo: true, syslogDaemon: 'syslog-ng' }), []);
  const paths = (p: { syslogDaemon?: SyslogDaemon }) => syslog.plan(site, { gentoo: true, ...p }).map((i) => i.path);
  assert.deepEqual(paths({ syslogDaemon: 'rsyslog' }), ['/var/log/ltsp', RSYSLOG_FILE]);
  assert.deepEqual(paths({}), ['/var/log/ltsp', SYSLOG_NG_FILE, SYSLOG_NG_MAIN]);
  assert.deepEqual(paths({ syslogDaemon: 'sysklogd' }), ['/var/log/ltsp', SYSKLOGD_FILE, SYSKLOGD_CONFD]);
  // both ports off: nothing, and a note saying so
  const off = withSyslog(site, { udpPort: 0, tcpPort: 0 });
  assert.deepEqual(syslog.plan(off, { gentoo: true }), []);
  assert.match(syslog.notes!(off, { gentoo: true })[0], /both 0/);
});

test('syslog: the @include block in syslog-ng.conf: added once, kept out when conf.d is included already', () => {
  const { site } = examples().find((e) => e.name === 'wiki-sample')!;
  const e = edit(syslogItems(site, 'syslog-ng'), SYSLOG_NG_MAIN);
  const before = fixture('syslog-ng.conf');
  const after = e.edit(before);
  assert.ok(after.startsWith(before));
  assert.equal(after.slice(before.length).split('\n')[1], `@include "${SYSLOG_NG_FILE}"`);
  assert.equal(e.edit(after), after);
  // an admin who includes conf.d already: no block, and an old block of ours goes away
  const globbing = before + '@include "/etc/syslog-ng/conf.d/*.conf"\n';
  assert.equal(e.edit(globbing), globbing);
  const both = after + '@include "/etc/syslog-ng/conf.d/*.conf"\n';
  assert.equal(e.edit(both), globbing);
  // no syslog-ng.conf yet: a file syslog-ng accepts, with the block
  assert.equal(e.edit(null), `@version: current\n${after.slice(before.length)}`);
  if (syslogNg)
    withTemp((dir) => {
      writeFileSync(join(dir, 'ltsp-ts.conf'), file(syslogItems(site, 'syslog-ng'), SYSLOG_NG_FILE).content);
      writeFileSync(join(dir, 'syslog-ng.conf'), e.edit(null).replace(SYSLOG_NG_FILE, join(dir, 'ltsp-ts.conf')));
      const r = spawnSync(syslogNg, ['--syntax-only', '-f', join(dir, 'syslog-ng.conf')], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 0, r.stderr);
    });
  // a commented-out include does not count
  const commented = before + '#@include "/etc/syslog-ng/conf.d/*.conf"\n';
  assert.ok(e.edit(commented).includes(`\n@include "${SYSLOG_NG_FILE}"\n`));
});

test('syslog: sysklogd: secure mode off, listen address and allowed subnets in SYSLOGD, the admin\'s options kept', () => {
  const { site } = examples().find((e) => e.name === 'primary')!;
  const kl = syslogItems(site, 'sysklogd');
  const e = edit(kl, SYSKLOGD_CONFD);
  const before = fixture('conf.d-sysklogd');
  const after = e.edit(before);
  const expected = 'SYSLOGD="-m 0 -r 10M:10 -b 10.10.0.1:514 -a 10.10.0.0/24:* -a 10.10.1.0/24:*"';
  assert.equal(after, before.replace('SYSLOGD="-m 0 -s -s -r 10M:10"', `# ltsp-ts: the next line is set by ltspcfg-ts from site.toml\n${expected}`));
  assert.equal(e.edit(after), after);
  // a new server address replaces the old -b and -a, nothing piles up
  const moved = { ...site, server: { ...site.server, address: '10.10.0.2' } };
  const again = edit(syslogItems(moved, 'sysklogd'), SYSKLOGD_CONFD).edit(after);
  assert.match(again, /\nSYSLOGD="-m 0 -r 10M:10 -b 10\.10\.0\.2:514 -a 10\.10\.0\.0\/24:\* -a 10\.10\.1\.0\/24:\*"\n/);
  // -r is rotation in sysklogd 2.x: never added for remote reception
  assert.doesNotMatch(file(kl, SYSKLOGD_FILE).content + expected.replace('-r 10M:10', ''), / -r(?! 10M)/);
  const rules = file(kl, SYSKLOGD_FILE).content;
  for (const h of site.hosts.filter((x) => x.address)) assert.ok(rules.includes(`\n+${h.name}\n*.*\t/var/log/ltsp/${h.name}.log\n`));
  assert.match(rules, /\nsecure_mode 0\n/);
  assert.match(syslog.notes!(site, { gentoo: true, syslogDaemon: 'sysklogd' }).join('\n'), /UDP only: syslog\.tcp_port 5140 is not used/);
});
