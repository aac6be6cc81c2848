// /etc/hosts.allow: the marked block for rpcbind (portmap) and mountd, checked
// with tcp-wrappers' own tcpdmatch against a deny-everything hosts.deny: every
// thin-client subnet is let in, other addresses and other daemons are not, and
// the admin's own lines keep working.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostsAllow } from '../../src/targets/hosts-allow';
import type { FileEdit } from '../../src/targets/types';
import { findProgram } from '../../src/system/checkers';
import { subnetRange } from '../../src/targets/subnets';
import { examples, fixture, golden } from '../support/golden';

const gentoo = { gentoo: true };
const tcpdmatch = findProgram('tcpdmatch');

function edit(site: Parameters<typeof hostsAllow.plan>[0]): FileEdit {
  const [item] = hostsAllow.plan(site, gentoo);
  assert.equal(item.kind, 'edit');
  return item as FileEdit;
}

function dotted(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** tcpdmatch's verdict for a daemon and a client address, with hosts.allow = text and hosts.deny = ALL: ALL */
function access(dir: string, daemon: string, address: string): string {
  const r = spawnSync(tcpdmatch!, ['-d', daemon, address], { cwd: dir, encoding: 'utf8', timeout: 10_000 });
  const m = /access:\s+(\w+)/.exec(r.stdout);
  assert.ok(m, `tcpdmatch -d ${daemon} ${address}: ${r.stdout}${r.stderr}`);
  return m[1];
}

for (const { name, site } of examples()) {
  test(`hosts-allow: golden /etc/hosts.allow for ${name}`, () => {
    golden(name, '/etc/hosts.allow', edit(site).edit(fixture('hosts.allow')));
  });

  test(`hosts-allow: ${name}: tcpdmatch lets the thin clients reach rpcbind, portmap and mountd, and no one else`, { skip: !tcpdmatch && 'tcpdmatch (Debian package tcpd) is not installed' }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'ltsp-hosts-allow-'));
    try {
      writeFileSync(join(dir, 'hosts.allow'), edit(site).edit(fixture('hosts.allow')));
      writeFileSync(join(dir, 'hosts.deny'), 'ALL: ALL\n');
      for (const s of site.network.subnets) {
        const [first, last] = subnetRange(s);
        for (const daemon of ['rpcbind', 'portmap', 'mountd']) {
          assert.equal(access(dir, daemon, dotted(first + 1)), 'granted', `${daemon} from ${dotted(first + 1)}`);
          assert.equal(access(dir, daemon, dotted(last - 1)), 'granted', `${daemon} from ${dotted(last - 1)}`);
        }
        // just outside the subnet, and another daemon from inside it
        const outside = dotted(last + 1);
        if (!site.network.subnets.some((o) => subnetRange(o)[0] <= last + 1 && last + 1 <= subnetRange(o)[1]))
          assert.equal(access(dir, 'mountd', outside), 'denied', `mountd from ${outside}`);
        assert.equal(access(dir, 'in.telnetd', dotted(first + 1)), 'denied');
      }
      // the admin's own rule still works
      assert.equal(access(dir, 'sshd', '203.0.113.9'), 'granted');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('hosts-allow: the block is appended once, replaced in place, and owns only itself', () => {
  const { site } = examples().find((e) => e.name === 'wiki-sample')!;
  const e = edit(site);
  const before = fixture('hosts.allow');
  const after = e.edit(before);
  assert.ok(after.startsWith(before), 'the admin lines come first, untouched');
  assert.equal(
    after.slice(before.length),
    '# BEGIN ltsp-ts: generated from site.toml by ltspcfg-ts; edits inside this block are overwritten\nrpcbind, portmap, mountd: 192.168.0.0/255.255.255.0\n# END ltsp-ts\n',
  );
  assert.equal(e.edit(after), after);
  assert.equal(e.owned(before), null);
  assert.equal(e.owned(after), after.slice(before.length));
  // lines added after the block by the admin stay after it
  const later = after + 'in.tftpd: 192.168.0.0/255.255.255.0\n';
  assert.equal(e.edit(later), later);
});
