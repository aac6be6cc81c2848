// Host names in xdm's Xaccess: xdm (access.c) reads a first word LISTEN, compared
// case-sensitively, as its keyword: the addresses after it are the ones it listens
// on, and a LISTEN line with none leaves it listening nowhere. Every other first
// word without * or ? it looks up as a host (CHOOSER, BROADCAST and NOBROADCAST are
// keywords only after it). So a thin client may be called LISTEN: its name is
// written in lower case, which the resolver finds as well. Shown with Debian's xdm.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileEdit } from '../../src/targets/types';
import { XDM_CONFIG, XDM_XACCESS, xdmcpItems } from '../../src/targets/xdmcp';
import { fixture } from '../support/golden';
import { loadSite, siteHead } from '../support/site';
import { isRoot, xdm } from '../support/debtools';
import { REPO } from '../support/cli';

const work = mkdtempSync(join(tmpdir(), 'ltsp-xaccess-'));
after(() => rmSync(work, { recursive: true, force: true }));

const KEYWORDS = ['LISTEN', 'CHOOSER', 'BROADCAST', 'NOBROADCAST', 'INDIRECT'];

/** A site whose hosts are named after xdm's keywords, with fixed addresses 192.0.2.11 and up. */
const site = () =>
  loadSite(
    `${siteHead({ dhcp: 'proxy' })}[xdmcp]\ndisplay_manager = "xdm"\n` +
      KEYWORDS.map((k, i) => `[[host]]\nname = "${k}"\nmac = "02:00:00:00:00:${(i + 1).toString(16).padStart(2, '0')}"\naddress = "192.0.2.${11 + i}"\n`).join(''),
  );

function edited(path: string): string {
  const e = xdmcpItems(site(), 'xdm').find((i): i is FileEdit => i.kind === 'edit' && i.path === path);
  assert.ok(e, `no edit of ${path}`);
  return e.edit(fixture(path === XDM_XACCESS ? 'Xaccess' : 'xdm-config'));
}

test('Xaccess: hosts named after xdm keywords are written as host names, in lower case', () => {
  const xaccess = edited(XDM_XACCESS);
  for (const k of KEYWORDS) {
    assert.match(xaccess, new RegExp(`^${k.toLowerCase()}\\t# thin client$`, 'm'));
    assert.doesNotMatch(xaccess, new RegExp(`^${k}\\b`, 'm'));
  }
});

// xdm in a network and mount namespace of its own: the hosts file names the clients, lo holds
// their addresses, no local display; prints what it listens on and its answer to a Query from LISTEN
const RUN_XDM = String.raw`
set -u
dir=$1 bin=$2 query=$3
mount --bind "$dir/hosts" /etc/hosts
ip link set lo up
ip addr add 192.0.2.11/32 dev lo
"$bin" -nodaemon -config "$dir/xdm-config" </dev/null >"$dir/xdm.out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
# until xdm listens on 177/udp, or has given up (nothing to manage): at most 30 s
i=0
while [ $i -lt 300 ]; do
	ss -Hlun 'sport = :177' | grep -q . && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
	i=$((i + 1))
done
echo "listening: $(ss -Hlun 'sport = :177' | wc -l)"
# a busy xdm may miss the first Query: at most 5, 3 s each
a=none
for i in 1 2 3 4 5; do
	a=$(perl "$query" 192.0.2.11 192.0.2.11)
	[ "$a" = none ] || break
done
echo "answer: $a"
ss -Hlun; cat "$dir/xdm.out"
`;

test('xdm with that Xaccess listens for XDMCP and is willing for the host named LISTEN', { skip: !isRoot() && 'xdm in a namespace of its own needs root', timeout: 120_000 }, () => {
  const bin = xdm().bin;
  writeFileSync(join(work, 'Xaccess'), edited(XDM_XACCESS));
  writeFileSync(join(work, 'Xservers'), '');
  writeFileSync(join(work, 'hosts'), `127.0.0.1\tlocalhost\n${KEYWORDS.map((k, i) => `192.0.2.${11 + i}\t${k}\n`).join('')}`);
  // the edited xdm-config, its files in the work directory, no Xwilling script
  const config = edited(XDM_CONFIG)
    .replace(/\/etc\/X11\/xdm\//g, `${work}/`)
    .replace(/\/var\/log\/xdm\.log/g, `${work}/xdm.log`)
    .replace(/\/var\/run\/xdm\.pid/g, `${work}/xdm.pidfile`)
    .replace(/^DisplayManager\.willing:.*\n/m, '');
  writeFileSync(join(work, 'xdm-config'), `${config}DisplayManager.authDir:\t${work}\n`);
  const r = spawnSync('unshare', ['-n', '-m', '--propagation', 'private', 'sh', '-c', RUN_XDM, 'sh', work, bin, join(REPO, 'tests/lab/lib/xdmcp-query.pl')], {
    encoding: 'utf8',
    timeout: 90_000,
  });
  const out = `${r.stdout}${r.stderr}${r.error?.message ?? ''}`;
  assert.equal(r.status, 0, out);
  // a LISTEN line without addresses would leave xdm listening nowhere (and it exits)
  assert.match(r.stdout, /^listening: [1-9]/m, out);
  // 5 is Willing
  assert.match(r.stdout, /^answer: 5$/m, out);
});
