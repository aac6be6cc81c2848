// NFS exports: content, directories, the pinned mountd port, golden files, and
// the real exportfs of nfs-kernel-server reading each generated file as
// /etc/exports.d/ltsp-ts.exports (exportfs -ra in a private mount namespace,
// tests/support/exportfs-check.sh): this machine has no kernel NFS server
// running, so exportfs parses the file and writes its export table (etab)
// without loading it into a kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXPORTS_PATH, exportsTarget, renderExports } from '../../src/targets/exports';
import type { Directory, FileEdit, WholeFile } from '../../src/targets/types';
import { REPO } from '../support/cli';
import { exportfs, isRoot } from '../support/debtools';
import { examples, fixture, golden } from '../support/golden';

const gentoo = { gentoo: true };

function items(site: Parameters<typeof exportsTarget.plan>[0]) {
  const plan = exportsTarget.plan(site, gentoo);
  const file = plan.find((i): i is WholeFile => i.kind === 'file')!;
  const dirs = plan.filter((i): i is Directory => i.kind === 'dir');
  const confd = plan.find((i): i is FileEdit => i.kind === 'edit')!;
  return { plan, file, dirs, confd };
}

for (const { name, site } of examples()) {
  test(`exports: golden files for ${name}`, () => {
    const { file, confd } = items(site);
    assert.equal(file.path, EXPORTS_PATH);
    golden(name, EXPORTS_PATH, file.content);
    golden(name, '/etc/conf.d/nfs', confd.edit(fixture('conf.d-nfs')));
  });

  test(`exports: ${name}: root read-only, swap files read-write, every thin-client subnet and nothing else`, () => {
    const { file } = items(site);
    const lines = file.content.split('\n').filter((l) => l && !l.startsWith('#'));
    assert.equal(lines.length, 2);
    const [root, swap] = lines.map((l) => l.split('\t'));
    assert.equal(root[0], site.nfs.root);
    assert.equal(swap[0], site.nfs.swapfiles);
    const subnets = site.network.subnets.map((s) => s.cidr);
    assert.deepEqual(root[1].split(' '), subnets.map((c) => `${c}(ro,sync,no_subtree_check,root_squash)`));
    assert.deepEqual(swap[1].split(' '), subnets.map((c) => `${c}(rw,sync,no_subtree_check,root_squash)`));
    assert.doesNotMatch(file.content, /no_root_squash|\*\(/);
  });

  test(`exports: ${name}: accepted by the real exportfs -ra`, { skip: !isRoot() && 'needs root for a private mount namespace' }, () => {
    const tool = exportfs();
    const dir = mkdtempSync(join(tmpdir(), 'ltsp-exports-'));
    try {
      const file = join(dir, 'ltsp-ts.exports');
      writeFileSync(file, renderExports(site));
      const r = spawnSync('sh', [join(REPO, 'tests/support/exportfs-check.sh'), tool.bin, file], { encoding: 'utf8', env: tool.env, timeout: 60_000 });
      assert.equal(r.status, 0, `exportfs refused ${name}'s exports:\n${r.stderr}`);
      // etab: what exportfs understood, one line per client
      const etab = r.stdout.trim().split('\n');
      assert.equal(etab.length, 2 * site.network.subnets.length, r.stdout);
      for (const s of site.network.subnets) {
        assert.ok(etab.some((l) => l.startsWith(`${site.nfs.root}\t${s.cidr}(ro,sync,`) && l.includes(',root_squash,')), r.stdout);
        assert.ok(etab.some((l) => l.startsWith(`${site.nfs.swapfiles}\t${s.cidr}(rw,sync,`) && l.includes(',no_subtree_check,')), r.stdout);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('exports: exportfs-check refuses what exportfs refuses', { skip: !isRoot() && 'needs root for a private mount namespace' }, () => {
  const tool = exportfs();
  const dir = mkdtempSync(join(tmpdir(), 'ltsp-exports-'));
  try {
    const file = join(dir, 'bad.exports');
    writeFileSync(file, '/opt/ltsp/i386\t192.0.2.0/24(ro,synk,root_squash)\n');
    const r = spawnSync('sh', [join(REPO, 'tests/support/exportfs-check.sh'), tool.bin, file], { encoding: 'utf8', env: tool.env, timeout: 60_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /unknown keyword "synk"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exports: the directories, with modes for a read-only root and private swap files owned by nobody', () => {
  const { site } = examples().find((e) => e.name === 'wiki-sample')!;
  const { dirs } = items(site);
  assert.deepEqual(dirs, [
    { kind: 'dir', path: '/opt/ltsp/i386', mode: 0o755 },
    { kind: 'dir', path: '/var/opt/ltsp/swapfiles', mode: 0o700, owner: 'nobody', group: 'nobody' },
  ]);
  const debian = exportsTarget.plan(site, { gentoo: false }).find((i): i is Directory => i.kind === 'dir' && i.path === site.nfs.swapfiles)!;
  assert.equal(debian.group, 'nogroup');
});

test('exports: mountd pinned in /etc/conf.d/nfs, other options and lines kept, twice is once', () => {
  const { site } = examples().find((e) => e.name === 'wiki-sample')!;
  const { confd } = items(site);
  const before = fixture('conf.d-nfs');
  const after = confd.edit(before);
  assert.match(after, /\n# ltsp-ts: the next line is set by ltspcfg-ts from site\.toml\nOPTS_RPC_MOUNTD="-p 32767"\n/);
  // every other line as it was
  assert.equal(after.replace(/# ltsp-ts: [^\n]*\n/, '').replace(/^OPTS_RPC_MOUNTD="-p 32767"$/m, 'OPTS_RPC_MOUNTD=""'), before);
  assert.equal(confd.edit(after), after);
  assert.equal(confd.owned(after), '# ltsp-ts: the next line is set by ltspcfg-ts from site.toml\nOPTS_RPC_MOUNTD="-p 32767"\n');
  assert.equal(confd.owned(before), null);
  // an admin's other mountd options stay, an old port goes
  const custom = before.replace('OPTS_RPC_MOUNTD=""', 'OPTS_RPC_MOUNTD="--no-nfs-version 2 -p 4002 -t 8"');
  assert.match(confd.edit(custom), /\nOPTS_RPC_MOUNTD="--no-nfs-version 2 -t 8 -p 32767"\n/);
  assert.match(confd.edit(before.replace('OPTS_RPC_MOUNTD=""', "OPTS_RPC_MOUNTD='--port=4002'")), /\nOPTS_RPC_MOUNTD="-p 32767"\n/);
  // no conf.d/nfs yet (nfs-utils not installed): just the key
  assert.equal(confd.edit(null), '# ltsp-ts: the next line is set by ltspcfg-ts from site.toml\nOPTS_RPC_MOUNTD="-p 32767"\n');
});
