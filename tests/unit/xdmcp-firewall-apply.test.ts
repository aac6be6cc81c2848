// exports, syslog, xdmcp, firewall and hosts-allow through the real CLI on a
// staged root that holds the files as their packages leave them: the first
// apply keeps every line that is not ltsp-ts's, the second changes nothing, a
// hand edit of a key ltsp-ts owns stops apply until --force, and a rules-save
// rewritten by the iptables service's own save is no hand edit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO, hashTree, ltspcfg, scratch } from '../support/cli';

const ONLY = 'exports,syslog,xdmcp,firewall,hosts-allow';
const STAGED: [string, string][] = [
  ['gdm-custom.conf', '/etc/gdm/custom.conf'],
  ['conf.d-nfs', '/etc/conf.d/nfs'],
  ['syslog-ng.conf', '/etc/syslog-ng/syslog-ng.conf'],
  ['hosts.allow', '/etc/hosts.allow'],
  ['iptables-rules-save', '/var/lib/iptables/rules-save'],
];

function stage(): { dir: string; root: string; site: string } {
  const dir = scratch('ltspcfg-edits-');
  const root = join(dir, 'root');
  for (const [fixture, path] of STAGED) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    copyFileSync(join(REPO, 'tests/fixtures/system', fixture), join(root, path));
  }
  const site = join(dir, 'site.toml');
  const wiki = readFileSync(join(REPO, 'examples/wiki-sample.toml'), 'utf8');
  writeFileSync(site, wiki.replace('[nfs]', '[firewall]\nenabled = true\nbackend = "iptables"\n\n[xdmcp]\ndisplay_manager = "gdm"\n\n[syslog]\ndaemon = "syslog-ng"\n\n[nfs]'));
  return { dir, root, site };
}

const apply = (s: { root: string; site: string }, ...extra: string[]) =>
  ltspcfg(['--gentoo', '--root', s.root, '--config', s.site, 'apply', '--yes', '--only', ONLY, ...extra]);

const read = (root: string, path: string) => readFileSync(join(root, path), 'utf8');
const fixture = (name: string) => readFileSync(join(REPO, 'tests/fixtures/system', name), 'utf8');

/** the lines of `text` that ltsp-ts does not own */
function theirs(text: string): string[] {
  const out: string[] = [];
  let inBlock = false;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.startsWith('# BEGIN ltsp-ts')) inBlock = true;
    if (!inBlock && !/^[#!] ltsp-ts: the next line/.test(l) && !/^[#!] ltsp-ts: the next line/.test(lines[i - 1] ?? '') && !l.includes('LTSP-TS-INPUT')) out.push(l);
    if (l === '# END ltsp-ts') inBlock = false;
  }
  return out;
}

test('apply on files as packages leave them: every other line kept; twice changes nothing', () => {
  const s = stage();
  try {
    const first = apply(s);
    assert.equal(first.code, 0, first.stderr);
    for (const [name, path] of STAGED) {
      const now = read(s.root, path);
      assert.notEqual(now, fixture(name), `${path} was edited`);
      const before = fixture(name).split('\n');
      // every line of the package's file is still there, in order; only the lines of keys set are replaced
      const kept = theirs(now);
      if (path === '/etc/conf.d/nfs') assert.deepEqual(kept, before.filter((l) => !l.startsWith('OPTS_RPC_MOUNTD=')));
      else assert.deepEqual(kept, before, path);
    }
    assert.match(read(s.root, '/etc/exports.d/ltsp-ts.exports'), /^\/opt\/ltsp\/i386\t192\.168\.0\.0\/24\(ro,/m);
    assert.match(read(s.root, '/etc/syslog-ng/conf.d/ltsp-ts.conf'), /netmask\("192\.168\.0\.0\/24"\)/);
    const hash = hashTree(s.root);
    const second = apply(s);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /Nothing to do/);
    assert.equal(hashTree(s.root), hash);
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('a hand edit of a key ltsp-ts set stops apply until --force; the service\'s own save of rules-save does not', () => {
  const s = stage();
  try {
    assert.equal(apply(s).code, 0);
    const gdm = join(s.root, '/etc/gdm/custom.conf');
    writeFileSync(gdm, readFileSync(gdm, 'utf8').replace(/^Enable=true$/m, 'Enable=false'));
    const hash = hashTree(s.root);
    const refused = apply(s);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /changed by hand; nothing was written/);
    assert.equal(hashTree(s.root), hash);
    const forced = apply(s, '--force');
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(read(s.root, '/etc/gdm/custom.conf'), /^Enable=true$/m);
    // iptables' save: comments gone, our lines as iptables-save prints them
    const rules = join(s.root, '/var/lib/iptables/rules-save');
    writeFileSync(rules, readFileSync(rules, 'utf8').split('\n').filter((l) => !l.startsWith('#')).join('\n'));
    const after = apply(s);
    assert.equal(after.code, 0, after.stderr);
    assert.equal((read(s.root, '/var/lib/iptables/rules-save').match(/^:LTSP-TS-INPUT /gm) ?? []).length, 1);
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});
