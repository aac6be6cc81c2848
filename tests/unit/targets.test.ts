// Every target says why it writes no file for a site, and says so exactly when it
// writes none: the reason `render` gives names the setting that decides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSite } from '../../src/site/load';
import { targets } from '../../src/targets';
import type { Platform } from '../../src/targets/types';
import { REPO, ltspcfg, scratch } from '../support/cli';

const WIKI = join(REPO, 'examples/wiki-sample.toml');
const wikiWith = (extra: string) => parseSite(readFileSync(WIKI, 'utf8') + extra, 'site.toml').site;

const cases: { name: string; text: string; platform: Platform }[] = [
  ...['wiki-sample', 'primary', 'nfsroot', 'proxy', 'none'].map((name) => ({ name, text: readFileSync(join(REPO, `examples/${name}.toml`), 'utf8'), platform: { gentoo: true } })),
  { name: 'gdm detected', text: readFileSync(WIKI, 'utf8'), platform: { gentoo: true, displayManager: 'gdm' } },
  { name: 'sddm detected', text: readFileSync(WIKI, 'utf8'), platform: { gentoo: true, displayManager: 'sddm' } },
  {
    name: 'firewall, xinetd, sysklogd without UDP',
    text: readFileSync(WIKI, 'utf8').replace('[tftp]\n', '[tftp]\nlauncher = "xinetd"\n') + '\n[firewall]\nenabled = true\n[syslog]\ndaemon = "sysklogd"\nudp_port = 0\n',
    platform: { gentoo: true },
  },
  { name: 'iPXE over HTTP', text: readFileSync(WIKI, 'utf8').replace('[boot]\n', '[boot]\nloader = "ipxe"\n') + '\n[http]\nenabled = true\n', platform: { gentoo: true } },
];

test('whyNoFile gives a reason exactly when the plan holds no file, for every target', () => {
  let reasons = 0;
  for (const c of cases) {
    const site = parseSite(c.text, `${c.name}.toml`).site;
    for (const t of targets) {
      const files = t.plan(site, c.platform).filter((i) => i.kind === 'file' || i.kind === 'edit');
      const why = t.whyNoFile(site, c.platform);
      if (files.length) assert.equal(why, undefined, `${t.name} on ${c.name} writes ${files.length} file(s) yet gives a reason: ${why}`);
      else {
        assert.ok(why, `${t.name} on ${c.name} writes no file and gives no reason`);
        reasons++;
      }
    }
  }
  assert.ok(reasons >= 10, `${reasons} reasons seen`);
});

test('the reason names the setting that decides', () => {
  const platform = { gentoo: true };
  const why = (name: string, site = wikiWith(''), p: Platform = platform) => targets.find((t) => t.name === name)!.whyNoFile(site, p);
  assert.equal(why('firewall'), 'firewall.enabled = false');
  assert.equal(why('xdmcp', wikiWith('\n[xdmcp]\nenabled = false\n'), { gentoo: true, displayManager: 'gdm' }), 'xdmcp.enabled = false');
  assert.match(why('xdmcp')!, /^no display manager found \(DISPLAYMANAGER= in \/etc\/conf\.d\/display-manager is not set\)/);
  assert.match(why('xdmcp', wikiWith(''), { gentoo: true, displayManager: 'sddm' })!, /display manager "sddm" .* not one ltspcfg-ts configures/);
  assert.match(why('xinetd')!, /^tftp\.launcher = "ltsp-tftpd"/);
  assert.match(why('dnsmasq')!, /^dhcp\.mode = "port-1067"/);
  assert.match(why('syslog', wikiWith('\n[syslog]\nudp_port = 0\ntcp_port = 0\n'))!, /syslog\.udp_port and syslog\.tcp_port are both 0/);
  assert.match(why('syslog', wikiWith('\n[syslog]\ndaemon = "sysklogd"\nudp_port = 0\n'))!, /sysklogd receives over UDP only and syslog\.udp_port is 0/);
  assert.match(why('tftp-tree')!, /tftp\.root \(\/tftpboot\)/);
});

test('render of a target that writes no file: exit 1, one line with the reason', () => {
  const root = scratch();
  const firewall = ltspcfg(['--config', WIKI, '--root', root, 'render', 'firewall']);
  assert.equal(firewall.code, 1);
  assert.equal(firewall.stdout, '');
  assert.equal(firewall.stderr, 'ltspcfg-ts: render: target firewall writes no file for this site: firewall.enabled = false\n');
  const xdmcp = ltspcfg(['--config', WIKI, '--root', root, 'render', 'xdmcp']);
  assert.equal(xdmcp.code, 1);
  assert.match(xdmcp.stderr, /^ltspcfg-ts: render: target xdmcp writes no file for this site: no display manager found \(DISPLAYMANAGER= in \/etc\/conf\.d\/display-manager is not set\)\n$/);
});
