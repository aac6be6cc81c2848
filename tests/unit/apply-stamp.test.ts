// An apply with nothing to do answers from the stamp of the last writing run
// (src/system/stamp.ts) without planning: same output, exit code and files as
// the full plan, and every change since (hand edits that keep size and mtime,
// site.toml, a boot loader appearing, state.json, a removed directory) still
// seen, bad input still refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, hashTree, ltspcfg, scratch } from '../support/cli';

const STAMP = 'var/lib/ltsp-ts/stamp.json';

function staged(): { root: string; config: string; apply: (...extra: string[]) => ReturnType<typeof ltspcfg> } {
  const root = scratch('ltspcfg-stamp-');
  const config = join(root, 'site.toml');
  copyFileSync(join(REPO, 'examples/wiki-sample.toml'), config);
  return { root, config, apply: (...extra) => ltspcfg(['--gentoo', '--root', root, '--config', config, 'apply', '--yes', ...extra]) };
}

/** The same apply without the stamp: the full plan's answer (the stamp is put back). */
function planned(s: ReturnType<typeof staged>, ...extra: string[]): ReturnType<typeof ltspcfg> {
  const stamp = join(s.root, STAMP);
  const kept = readFileSync(stamp);
  unlinkSync(stamp);
  try {
    return s.apply(...extra);
  } finally {
    writeFileSync(stamp, kept, { mode: 0o644 });
  }
}

test('the first apply leaves a stamp; a second answers from it with the full plan\'s output, writing nothing', () => {
  const s = staged();
  const first = s.apply();
  assert.equal(first.code, 0, first.stderr);
  assert.ok(existsSync(join(s.root, STAMP)), 'a writing run leaves a stamp');
  const before = hashTree(s.root);
  const runs = [[], ['--only', 'dnsmasq,lts.conf'], ['--only', 'pxelinux'], ['--dry-run'], ['--diff', '--force']];
  const fast = runs.map((extra) => s.apply(...extra));
  assert.equal(hashTree(s.root), before, 'nothing written, no mtime changed');
  assert.match(fast[0].stdout, /Nothing to do: every file is up to date\./);
  runs.forEach((extra, i) => {
    const full = planned(s, ...extra);
    assert.deepEqual([fast[i].code, fast[i].stdout, fast[i].stderr], [full.code, full.stdout, full.stderr], extra.join(' '));
  });
});

test('a hand edit that keeps the size and the mtime is still refused', () => {
  const s = staged();
  assert.equal(s.apply().code, 0);
  const lts = join(s.root, 'opt/ltsp/i386/etc/lts.conf');
  const st = statSync(lts);
  const text = readFileSync(lts, 'utf8');
  writeFileSync(lts, text.replace('SERVER', 'SERVEX'));
  utimesSync(lts, st.atime, st.mtime);
  assert.equal(statSync(lts).size, st.size);
  const r = s.apply();
  assert.equal(r.code, 1);
  assert.match(r.stdout, /refuse {2}\/opt\/ltsp\/i386\/etc\/lts\.conf/);
  assert.match(r.stderr, /changed by hand; nothing was written/);
});

test('a changed site.toml is planned in full: a bad one refused with file, line and key; a good one written', () => {
  const s = staged();
  assert.equal(s.apply().code, 0);
  const good = readFileSync(s.config, 'utf8');
  writeFileSync(s.config, good.replace(/^domain\s*=.*$/m, 'domain = "bad domain;"'));
  const before = hashTree(s.root);
  const bad = s.apply();
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /site\.toml:\d+:\d+: network\.domain: a semicolon is not allowed/);
  assert.equal(hashTree(s.root), before, 'nothing written');
  writeFileSync(s.config, good.replace(/^domain\s*=.*$/m, 'domain = "other.example.org"'));
  const changed = s.apply();
  assert.equal(changed.code, 0, changed.stderr);
  assert.match(changed.stdout, /Wrote \d+ change\(s\)/);
});

test('a removed file, a removed directory and a boot loader found first are seen', () => {
  const s = staged();
  assert.equal(s.apply().code, 0);
  unlinkSync(join(s.root, 'etc/exports.d/ltsp-ts.exports'));
  const gone = s.apply();
  assert.match(gone.stdout, /create {2}\/etc\/exports\.d\/ltsp-ts\.exports/);
  rmSync(join(s.root, 'tftpboot/pxelinux.cfg'), { recursive: true });
  const dir = s.apply();
  assert.match(dir.stdout, /create {2}\/tftpboot\/pxelinux\.cfg/);
  // Gentoo's place comes before Debian's: a loader appearing there replaces the copy
  const loader = join(s.root, 'usr/share/syslinux/pxelinux.0');
  mkdirSync(join(s.root, 'usr/share/syslinux'), { recursive: true });
  writeFileSync(loader, 'another pxelinux.0\n');
  const copied = s.apply();
  assert.match(copied.stdout, /update {2}\/tftpboot\/pxelinux\.0 .*copy from .*usr\/share\/syslinux\/pxelinux\.0/);
  assert.equal(readFileSync(join(s.root, 'tftpboot/pxelinux.0'), 'utf8'), 'another pxelinux.0\n');
  writeFileSync(loader, 'a newer pxelinux.0\n');
  assert.match(s.apply().stdout, /update {2}\/tftpboot\/pxelinux\.0/, 'a changed source is copied again');
});

test('a changed state.json or a damaged, foreign or writable stamp: the full plan, no trace', () => {
  const s = staged();
  assert.equal(s.apply().code, 0);
  const statePath = join(s.root, 'var/lib/ltsp-ts/state.json');
  const state = JSON.parse(readFileSync(statePath, 'utf8'));
  delete state.files['/etc/exports.d/ltsp-ts.exports'];
  writeFileSync(statePath, JSON.stringify(state));
  const r = s.apply();
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /keep/, 'a current file not in the state is recorded again, as the full plan does');
  assert.ok(JSON.parse(readFileSync(statePath, 'utf8')).files['/etc/exports.d/ltsp-ts.exports']);

  const t = staged();
  assert.equal(t.apply().code, 0);
  const stamp = join(t.root, STAMP);
  const expected = planned(t).stdout;
  for (const damage of ['{', '[]', '{"version":1,"build":"x"}', '{"version":1}', 'null']) {
    writeFileSync(stamp, damage);
    const x = t.apply();
    assert.equal(x.code, 0, x.stderr);
    assert.equal(x.stdout, expected, damage);
    assert.equal(x.stderr, '');
  }
  assert.equal(readFileSync(stamp, 'utf8'), 'null', 'a run with nothing to do writes no stamp');

  // the stamp is believed (a note changed in it shows), unless others may write it
  const u = staged();
  assert.equal(u.apply().code, 0);
  const ustamp = join(u.root, STAMP);
  writeFileSync(ustamp, readFileSync(ustamp, 'utf8').replace(/"notes":\["no syslog daemon/, '"notes":["FROM THE STAMP no syslog daemon'));
  assert.match(u.apply().stdout, /FROM THE STAMP/);
  chmodSync(ustamp, 0o666);
  const before = hashTree(u.root);
  const w = u.apply();
  assert.doesNotMatch(w.stdout, /FROM THE STAMP/);
  assert.match(w.stdout, /Nothing to do/);
  assert.equal(hashTree(u.root), before);
});

test('the stamp names the build by the launcher\'s code-cache key, and one made by another build is not believed', () => {
  const s = staged();
  const cache = scratch('ltspcfg-stamp-cache-');
  const withCache = (...extra: string[]) => ltspcfg(['--gentoo', '--root', s.root, '--config', s.config, 'apply', '--yes', ...extra], { env: { LTSPCFG_CODE_CACHE: cache } });
  assert.equal(withCache().code, 0);
  const key = readdirSync(cache).find((f) => /^ltspcfg-ts-main-.*\.cache$/.test(f))!.replace(/^ltspcfg-ts-|\.cache$/g, '');
  const stamp = join(s.root, STAMP);
  assert.equal(JSON.parse(readFileSync(stamp, 'utf8')).build, `launcher ${key}`);
  const note = (text: string) => text.replace(/"notes":\["no syslog daemon/, '"notes":["FROM THE STAMP no syslog daemon');
  writeFileSync(stamp, note(readFileSync(stamp, 'utf8')));
  assert.match(withCache().stdout, /FROM THE STAMP/, 'believed by the same build');
  // without the launcher's caches the build is the bundle's sha256: the other build's stamp is not believed
  const before = hashTree(s.root);
  const off = ltspcfg(['--gentoo', '--root', s.root, '--config', s.config, 'apply', '--yes'], { env: { LTSPCFG_CODE_CACHE: 'off' } });
  assert.equal(off.code, 0, off.stderr);
  assert.doesNotMatch(off.stdout, /FROM THE STAMP/);
  assert.match(off.stdout, /Nothing to do/);
  assert.equal(hashTree(s.root), before);
  writeFileSync(stamp, note(readFileSync(stamp, 'utf8').replace(/"build":"launcher [^"]*"/, `"build":"launcher ${key}x"`)));
  assert.doesNotMatch(withCache().stdout, /FROM THE STAMP/, 'another key');
});
