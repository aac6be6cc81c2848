// Firewall: off unless enabled; the ports by DHCP mode and site; golden
// rules-save files for both backends on every example; and the real programs,
// only ever inside a network namespace made for the test (ltsfw<pid>):
// `nft -c -f` and `iptables-restore --test` on the whole edited rules-save,
// then loading it, a `save` the way Gentoo's services do it, and the edit
// again on the saved file: our table or chain once, the admin's rules kept.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Site } from '../../src/site/types';
import { findProgram } from '../../src/system/checkers';
import { CHAIN, IPT_RULES, NFT_RULES, firewall, iptablesEdit, iptablesRules, renderNftables } from '../../src/targets/firewall';
import { dhcpPorts } from '../../src/targets/firewall/ports';
import type { FileEdit } from '../../src/targets/types';
import { isRoot } from '../support/debtools';
import { examples, fixture, golden } from '../support/golden';

const gentoo = { gentoo: true };
const NS = `ltsfw${process.pid}`;
const canNetns = isRoot() && findProgram('ip') !== null;
let nsMade = false;
const work = mkdtempSync(join(tmpdir(), 'ltsp-firewall-'));

function ns(args: string[], input?: string): { code: number; out: string; stdout: string } {
  if (!nsMade) {
    const r = spawnSync('ip', ['netns', 'add', NS], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    nsMade = true;
  }
  const r = spawnSync('ip', ['netns', 'exec', NS, ...args], { encoding: 'utf8', input, timeout: 30_000 });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}`, stdout: r.stdout };
}

after(() => {
  if (nsMade) spawnSync('ip', ['netns', 'delete', NS]);
  rmSync(work, { recursive: true, force: true });
});

function enabled(site: Site, backend: 'nftables' | 'iptables'): Site {
  return { ...site, firewall: { enabled: true, backend } };
}

function item(site: Site): FileEdit {
  const items = firewall.plan(site, gentoo);
  assert.equal(items.length, 1);
  assert.equal(items[0].kind, 'edit');
  return items[0] as FileEdit;
}

function temp(name: string, content: string): string {
  const path = join(work, name);
  writeFileSync(path, content);
  return path;
}

const skipNs = !canNetns && 'needs root and iproute2 for a network namespace';
const skipNft = skipNs || (!findProgram('nft') && 'nft is not installed');
const skipIpt = skipNs || (!findProgram('iptables-restore') && 'iptables-restore is not installed');

for (const { name, site } of examples()) {
  test(`firewall: ${name}: off unless firewall.enabled`, () => {
    assert.equal(site.firewall.enabled, false);
    assert.deepEqual(firewall.plan(site, gentoo), []);
    assert.deepEqual(firewall.notes!(site, gentoo), []);
  });

  test(`firewall: golden rules-save files of both backends for ${name}`, () => {
    golden(name, NFT_RULES, item(enabled(site, 'nftables')).edit(fixture('nftables-rules-save')));
    golden(name, IPT_RULES, item(enabled(site, 'iptables')).edit(fixture('iptables-rules-save')));
  });

  test(`firewall: ${name}: nft -c accepts rules-save with our table, and loading it twice after a save keeps one table`, { skip: skipNft }, () => {
    const e = item(enabled(site, 'nftables'));
    assert.deepEqual(e.checker, { program: 'nft', args: ['-c', '-f', '{}'], label: 'nft -c -f' });
    for (const [label, base] of [['the admin rules', fixture('nftables-rules-save')], ['no rules-save yet', null]] as const) {
      const file = temp(`${name}.nft`, e.edit(base));
      const check = ns(['nft', '-c', '-f', file]);
      assert.equal(check.code, 0, `nft -c refused ${name} with ${label}:\n${check.out}`);
    }
    // the service starts: flush, load
    const first = e.edit(fixture('nftables-rules-save'));
    assert.equal(ns(['nft', 'flush', 'ruleset']).code, 0);
    let load = ns(['nft', '-f', temp(`${name}-1.nft`, first)]);
    assert.equal(load.code, 0, load.out);
    // the service stops and saves the live ruleset over rules-save: our markers are gone
    const saved = ns(['nft', 'list', 'ruleset']).stdout;
    assert.match(saved, /table inet ltsp_ts \{/);
    assert.equal(e.owned(saved), null);
    // ltspcfg-ts apply again, then the service starts again
    const again = e.edit(saved);
    assert.equal(e.edit(again), again);
    assert.equal(ns(['nft', 'flush', 'ruleset']).code, 0);
    load = ns(['nft', '-f', temp(`${name}-2.nft`, again)]);
    assert.equal(load.code, 0, load.out);
    const live = ns(['nft', 'list', 'ruleset']).stdout;
    assert.equal((live.match(/table inet ltsp_ts \{/g) ?? []).length, 1, live);
    assert.equal((live.match(/ip saddr @clients udp dport/g) ?? []).length, 1, live);
    assert.match(live, /table inet filter \{[\s\S]*tcp dport 22 ip saddr 203\.0\.113\.0\/24 accept/);
    ns(['nft', 'flush', 'ruleset']);
  });

  for (const restore of ['iptables-restore', 'iptables-legacy-restore'])
    test(`firewall: ${name}: ${restore} --test accepts rules-save with our chain; a save gives back exactly our lines`, { skip: skipIpt || (!findProgram(restore) && `${restore} is not installed`) }, () => {
      const save = restore.replace('-restore', '-save');
      const e = item(enabled(site, 'iptables'));
      for (const base of [fixture('iptables-rules-save'), null]) {
        const file = temp(`${name}.ipt`, e.edit(base));
        const check = ns([restore, '--test', file]);
        assert.equal(check.code, 0, `${restore} --test refused ${name}:\n${check.out}`);
      }
      const edited = e.edit(fixture('iptables-rules-save'));
      const load = ns([restore, temp(`${name}-load.ipt`, edited)]);
      assert.equal(load.code, 0, load.out);
      const saved = ns([save]).stdout;
      // the same lines, in the same order: no false drift after the service's own save
      assert.equal(e.owned(saved), e.owned(edited));
      assert.match(saved, /^-A ADMIN-SSH -s 203\.0\.113\.0\/24 -j ACCEPT$/m);
      assert.match(saved, /^:INPUT DROP/m);
      // the jump is the first rule of INPUT
      assert.equal(saved.split('\n').find((l) => l.startsWith('-A INPUT ')), `-A INPUT -j ${CHAIN}`);
      // apply on the saved file changes none of our lines and adds nothing
      const reapplied = e.edit(saved);
      assert.equal(e.owned(reapplied), e.owned(edited));
      assert.equal(e.edit(reapplied), reapplied);
      // the tables are left empty for the next test
      for (const table of ['filter', 'nat']) ns([restore.replace('-restore', ''), '-t', table, '-F']), ns([restore.replace('-restore', ''), '-t', table, '-X']);
    });
}

test('firewall: the DHCP port by mode, by interface; TFTP data ports, syslog and XDMCP by site', () => {
  const site = examples().find((e) => e.name === 'wiki-sample')!.site;
  const mode = (m: Site['dhcp']['mode']) => dhcpPorts({ ...site, dhcp: { ...site.dhcp, mode: m } });
  assert.deepEqual(mode('primary'), [67]);
  assert.deepEqual(mode('port-1067'), [1067]);
  assert.deepEqual(mode('nfsroot'), [1067]);
  assert.deepEqual(mode('proxy'), [67, 4011]);
  assert.deepEqual(mode('none'), []);
  const rules = iptablesRules(site);
  assert.deepEqual(rules, [
    `-A ${CHAIN} -i eth0 -p udp -m udp --dport 1067 -j ACCEPT`,
    `-A ${CHAIN} -s 192.168.0.0/24 -p udp -m multiport --dports 69,111,2049,32767,514,177 -j ACCEPT`,
    `-A ${CHAIN} -s 192.168.0.0/24 -p tcp -m multiport --dports 111,2049,32767,5140 -j ACCEPT`,
    `-A ${CHAIN} -i eth0 -p udp -m multiport --dports 69,111,2049,32767,514,177 -j DROP`,
    `-A ${CHAIN} -i eth0 -p tcp -m multiport --dports 111,2049,32767,5140 -j DROP`,
  ]);
  const tuned: Site = {
    ...site,
    dhcp: { ...site.dhcp, mode: 'none' },
    tftp: { ...site.tftp, dataPorts: [6000, 6100] },
    syslog: { ...site.syslog, tcpPort: 0 },
    xdmcp: { ...site.xdmcp, enabled: false },
    nfs: { ...site.nfs, mountdPort: 4002 },
  };
  assert.deepEqual(iptablesRules(tuned), [
    `-A ${CHAIN} -s 192.168.0.0/24 -p udp -m multiport --dports 69,6000:6100,111,2049,4002,514 -j ACCEPT`,
    `-A ${CHAIN} -s 192.168.0.0/24 -p tcp -m multiport --dports 111,2049,4002 -j ACCEPT`,
    `-A ${CHAIN} -i eth0 -p udp -m multiport --dports 69,6000:6100,111,2049,4002,514 -j DROP`,
    `-A ${CHAIN} -i eth0 -p tcp -m multiport --dports 111,2049,4002 -j DROP`,
  ]);
  const nft = renderNftables(tuned);
  assert.match(nft, /ip saddr @clients udp dport \{ 69, 6000-6100, 111, 2049, 4002, 514 \} accept/);
  assert.doesNotMatch(nft, /DHCP/);
});

test('firewall: the iptables edit owns only the lines naming its chain, and finds them wherever a save put them', () => {
  const site = enabled(examples().find((e) => e.name === 'primary')!.site, 'iptables');
  const e = iptablesEdit(site);
  assert.equal(e.path, IPT_RULES);
  const before = fixture('iptables-rules-save');
  const edited = e.edit(before);
  const theirs = (t: string) => t.split('\n').filter((l) => !l.includes(CHAIN)).join('\n');
  assert.equal(theirs(edited), theirs(before), 'every line that is not ours stays, in order');
  // one subnet, one pair of accept rules
  assert.equal((edited.match(/-s 10\.10\.[01]\.0\/24 -p udp/g) ?? []).length, 2);
  assert.equal(e.edit(edited), edited);
  assert.equal(e.owned(before), null);
  // a rules-save without a filter table gets one
  const natOnly = before.slice(0, before.indexOf('# Generated', 10));
  assert.match(e.edit(natOnly), /\n\*filter\n:INPUT ACCEPT \[0:0\]\n:FORWARD ACCEPT \[0:0\]\n:OUTPUT ACCEPT \[0:0\]\n:LTSP-TS-INPUT - \[0:0\]\n-A INPUT -j LTSP-TS-INPUT\n/);
});

test('firewall: notes say what is closed to other hosts, and the nftables caveat', () => {
  const site = examples().find((e) => e.name === 'wiki-sample')!.site;
  const nft = firewall.notes!(enabled(site, 'nftables'), gentoo).join('\n');
  assert.match(nft, /on eth0, TFTP, NFS, rpcbind, mountd, syslog and XDMCP now answer 192\.168\.0\.0\/24 only/);
  assert.match(nft, /does not override a drop in another table/);
  assert.equal(firewall.notes!(enabled(site, 'iptables'), gentoo).length, 1);
});
