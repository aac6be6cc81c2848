// XDMCP: which display manager, and edits of gdm's, lightdm's and xdm's files
// that keep every other key, comment and blank line byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Site } from '../../src/site/types';
import type { FileEdit, Platform, PlannedItem, WholeFile } from '../../src/targets/types';
import { xaccessPatterns } from '../../src/targets/subnets';
import { GDM_CUSTOM, LIGHTDM_DROPIN, XDM_CONFIG, XDM_XACCESS, displayManager, xdmcp, xdmcpItems } from '../../src/targets/xdmcp';
import { examples, fixture, golden } from '../support/golden';

const MARK = '# ltsp-ts: the next line is set by ltspcfg-ts from site.toml';
const XMARK = '! ltsp-ts: the next line is set by ltspcfg-ts from site.toml';
const wiki = () => examples().find((e) => e.name === 'wiki-sample')!.site;

function edit(items: PlannedItem[], path: string): FileEdit {
  const e = items.find((i): i is FileEdit => i.kind === 'edit' && i.path === path);
  assert.ok(e, `no edit of ${path}`);
  return e;
}

function withXdmcp(site: Site, changes: Partial<Site['xdmcp']>): Site {
  return { ...site, xdmcp: { ...site.xdmcp, ...changes } };
}

for (const { name, site } of examples()) {
  test(`xdmcp: golden gdm, lightdm and xdm files for ${name}`, () => {
    golden(name, GDM_CUSTOM, edit(xdmcpItems(site, 'gdm'), GDM_CUSTOM).edit(fixture('gdm-custom.conf')));
    const [dropin] = xdmcpItems(site, 'lightdm') as WholeFile[];
    golden(name, LIGHTDM_DROPIN, dropin.content);
    const xdm = xdmcpItems(site, 'xdm');
    golden(name, XDM_XACCESS, edit(xdm, XDM_XACCESS).edit(fixture('Xaccess')));
    golden(name, XDM_CONFIG, edit(xdm, XDM_CONFIG).edit(fixture('xdm-config')));
  });
}

test('xdmcp: the display manager: site.toml, else DISPLAYMANAGER= as detected', () => {
  const site = wiki();
  const p = (displayManager?: string): Platform => ({ gentoo: true, displayManager });
  assert.equal(displayManager(site, p('gdm')), 'gdm');
  assert.equal(displayManager(site, p('lightdm')), 'lightdm');
  assert.equal(displayManager(site, p()), undefined);
  assert.equal(displayManager(withXdmcp(site, { displayManager: 'xdm' }), p('gdm')), 'xdm');
  assert.deepEqual(xdmcp.plan(site, p('gdm')).map((i) => i.path), [GDM_CUSTOM]);
  assert.deepEqual(xdmcp.plan(site, p('lightdm')).map((i) => i.path), [LIGHTDM_DROPIN]);
  assert.deepEqual(xdmcp.plan(site, p('xdm')).map((i) => i.path), [XDM_XACCESS, XDM_CONFIG]);
  assert.deepEqual(xdmcp.notes!(site, p('gdm')), []);
});

test('xdmcp: an unknown or undetected display manager is a note and no change, never an error', () => {
  const site = wiki();
  assert.deepEqual(xdmcp.plan(site, { gentoo: true, displayManager: 'sddm' }), []);
  assert.match(xdmcp.notes!(site, { gentoo: true, displayManager: 'sddm' })[0], /display manager "sddm" .* not one ltspcfg-ts configures.*xdmcp\.display_manager/);
  assert.deepEqual(xdmcp.plan(site, { gentoo: true }), []);
  assert.match(xdmcp.notes!(site, { gentoo: true })[0], /no display manager found \(DISPLAYMANAGER= in \/etc\/conf\.d\/display-manager is not set\).*set xdmcp\.display_manager/);
  // XDMCP off: nothing at all
  const off = withXdmcp(site, { enabled: false });
  assert.deepEqual(xdmcp.plan(off, { gentoo: true, displayManager: 'gdm' }), []);
  assert.deepEqual(xdmcp.notes!(off, { gentoo: true }), []);
});

test('xdmcp: gdm: Enable=true in [xdmcp] of custom.conf, every other line byte for byte', () => {
  const e = edit(xdmcpItems(wiki(), 'gdm'), GDM_CUSTOM);
  const before = fixture('gdm-custom.conf');
  const after = e.edit(before);
  assert.equal(after, before.replace('MaxSessions=40\n', `MaxSessions=40\n${MARK}\nEnable=true\n`));
  assert.equal(e.edit(after), after);
  assert.equal(e.owned(before), null);
  assert.equal(e.owned(after), `${MARK}\nEnable=true\n`);
  // [debug] has an Enable key of its own: untouched
  assert.match(after, /\[debug\]\n# Uncomment the line below to turn on debugging\n#Enable=true\n$/);
  // an existing Enable keeps its place and spacing
  const off = before.replace('MaxSessions=40\n', 'Enable = false\nMaxSessions=40\n');
  assert.equal(e.edit(off), before.replace('MaxSessions=40\n', `${MARK}\nEnable = true\nMaxSessions=40\n`));
  // a hand edit of our key shows in the owned part (drift)
  assert.notEqual(e.owned(after.replace('Enable=true', 'Enable=false')), e.owned(after));
});

test('xdmcp: gdm: a port other than 177 adds Port=, going back to 177 removes only our Port line', () => {
  const before = fixture('gdm-custom.conf');
  const other = edit(xdmcpItems(withXdmcp(wiki(), { port: 1177 }), 'gdm'), GDM_CUSTOM);
  const std = edit(xdmcpItems(wiki(), 'gdm'), GDM_CUSTOM);
  const with1177 = other.edit(before);
  assert.equal(with1177, before.replace('MaxSessions=40\n', `MaxSessions=40\n${MARK}\nEnable=true\n${MARK}\nPort=1177\n`));
  assert.equal(std.edit(with1177), std.edit(before));
  // an admin's own Port line is not ours to remove
  const admins = before.replace('MaxSessions=40\n', 'MaxSessions=40\nPort=5000\n');
  assert.ok(std.edit(admins).includes('\nPort=5000\n'));
});

test('xdmcp: gdm: no [xdmcp] section, or no custom.conf at all', () => {
  const e = edit(xdmcpItems(wiki(), 'gdm'), GDM_CUSTOM);
  const before = fixture('gdm-custom-noxdmcp.conf');
  assert.equal(e.edit(before), `${before}\n[xdmcp]\n${MARK}\nEnable=true\n`);
  assert.equal(e.edit(e.edit(before)), e.edit(before));
  assert.equal(e.edit(null), `# GDM configuration storage\n\n[xdmcp]\n${MARK}\nEnable=true\n`);
  // a file without a final newline keeps lacking it
  const bare = '[xdmcp]\nMaxSessions=4';
  assert.equal(e.edit(bare), `[xdmcp]\nMaxSessions=4\n${MARK}\nEnable=true`);
});

test('xdmcp: lightdm: a drop-in of its own with [XDMCPServer]', () => {
  const [f] = xdmcpItems(withXdmcp(wiki(), { port: 1177 }), 'lightdm') as WholeFile[];
  assert.equal(f.kind, 'file');
  assert.equal(f.path, '/etc/lightdm/lightdm.conf.d/50-ltsp-ts.conf');
  assert.match(f.content, /^# Generated by ltspcfg-ts from examples\/wiki-sample\.toml; edit that file, not this one\.\n\[XDMCPServer\]\nenabled=true\nport=1177\n$/);
});

test('xdmcp: xdm: the thin clients in a marked block of Xaccess, requestPort in xdm-config, the rest byte for byte', () => {
  const items = xdmcpItems(wiki(), 'xdm');
  const xaccess = edit(items, XDM_XACCESS);
  const before = fixture('Xaccess');
  const after = xaccess.edit(before);
  assert.ok(after.startsWith(before));
  const block = after.slice(before.length).split('\n');
  assert.deepEqual(block.slice(1, -2), [
    'desktop\t# thin client',
    'ws100\t# thin client',
    'ws101\t# thin client',
    'ws102\t# thin client',
    'ws103\t# thin client',
    '192.168.0.*\t# thin client',
  ]);
  assert.equal(xaccess.edit(after), after);

  const config = edit(items, XDM_CONFIG);
  const cbefore = fixture('xdm-config');
  const cafter = config.edit(cbefore);
  assert.equal(cafter, cbefore.replace('DisplayManager.requestPort:\t0\n', `${XMARK}\nDisplayManager.requestPort:\t177\n`));
  assert.equal(config.edit(cafter), cafter);
  assert.equal(config.owned(cafter), `${XMARK}\nDisplayManager.requestPort:\t177\n`);
  // no requestPort line at all: added at the end
  const without = cbefore.replace(/^.*requestPort.*\n/m, '');
  assert.equal(config.edit(without), `${without}${XMARK}\nDisplayManager.requestPort:\t177\n`);
});

test('xdmcp: Xaccess patterns cover a subnet exactly: one per /24, /16 or /8 inside it, or each address of a smaller one', () => {
  const s = (cidr: string) => {
    const [network, p] = cidr.split('/');
    return { network, prefix: Number(p), netmask: '', broadcast: '', cidr, routers: [] };
  };
  assert.deepEqual(xaccessPatterns(s('192.168.0.0/24')), ['192.168.0.*']);
  assert.deepEqual(xaccessPatterns(s('10.42.8.0/22')), ['10.42.8.*', '10.42.9.*', '10.42.10.*', '10.42.11.*']);
  assert.deepEqual(xaccessPatterns(s('172.16.0.0/16')), ['172.16.*.*']);
  assert.deepEqual(xaccessPatterns(s('10.0.0.0/8')), ['10.*.*.*']);
  assert.deepEqual(xaccessPatterns(s('172.16.0.0/15')), ['172.16.*.*', '172.17.*.*']);
  assert.deepEqual(xaccessPatterns(s('192.0.2.64/30')), ['192.0.2.64', '192.0.2.65', '192.0.2.66', '192.0.2.67']);
  assert.equal(xaccessPatterns(s('198.51.100.0/25')).length, 128);
});
