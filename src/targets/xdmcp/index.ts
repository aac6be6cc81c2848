// XDMCP in the display manager the server runs: site.toml names it
// (xdmcp.display_manager) or it is Gentoo's choice, DISPLAYMANAGER= in
// /etc/conf.d/display-manager, which the system layer reads into
// platform.displayManager. Only the keys XDMCP needs are set; every other key,
// comment and blank line of the display manager's files stays as it was.
//
// - gdm: [xdmcp] Enable=true (and Port= when not 177) in /etc/gdm/custom.conf
// - lightdm: a drop-in of its own, /etc/lightdm/lightdm.conf.d/50-ltsp-ts.conf
// - xdm: the thin clients in a marked block of Xaccess, and
//   DisplayManager.requestPort in xdm-config (Gentoo ships it as 0: XDMCP off)
import { DISPLAY_MANAGERS, type DisplayManager } from '../../site/schema';
import type { Site } from '../../site/types';
import { markedBlock } from '../edits';
import { namedKeys } from '../edits-keys';
import { generatedHeader } from '../template';
import type { Platform, PlannedItem, Target } from '../types';
import { clientSubnets, xaccessPatterns } from '../subnets';

const XDMCP_DEFAULT_PORT = 177;

export const GDM_CUSTOM = '/etc/gdm/custom.conf';
export const LIGHTDM_DROPIN = '/etc/lightdm/lightdm.conf.d/50-ltsp-ts.conf';
export const XDM_XACCESS = '/etc/X11/xdm/Xaccess';
export const XDM_CONFIG = '/etc/X11/xdm/xdm-config';

/** The display manager to configure: site.toml's, else the detected one, else undefined. */
export function displayManager(site: Site, platform: Platform): string | undefined {
  return site.xdmcp.displayManager !== 'auto' ? site.xdmcp.displayManager : platform.displayManager;
}

function isKnown(dm: string | undefined): dm is DisplayManager {
  return (DISPLAY_MANAGERS as readonly (string | undefined)[]).includes(dm);
}

/**
 * Xaccess entries: the thin clients by name, then every address of the subnets as patterns.
 * A name is written in lower case: xdm reads a first word LISTEN (compared case-sensitively)
 * as its keyword, and a LISTEN line without addresses turns XDMCP off on every interface; any
 * other word it looks up as a host, and the resolver ignores case.
 */
function xaccessEntries(site: Site): string[] {
  const names = site.hosts.filter((h) => h.address).map((h) => h.name.toLowerCase());
  return [...names, ...clientSubnets(site).flatMap(xaccessPatterns)];
}

export function xdmcpItems(site: Site, dm: DisplayManager): PlannedItem[] {
  const port = site.xdmcp.port;
  switch (dm) {
    case 'gdm':
      return [
        namedKeys({
          path: GDM_CUSTOM,
          mode: 0o644,
          format: 'ini',
          section: 'xdmcp',
          header: '# GDM configuration storage\n',
          keys: [
            { key: 'Enable', value: 'true' },
            { key: 'Port', value: port === XDMCP_DEFAULT_PORT ? null : String(port) },
          ],
        }),
      ];
    case 'lightdm':
      return [
        {
          kind: 'file',
          path: LIGHTDM_DROPIN,
          mode: 0o644,
          content: `${generatedHeader('#', site)}[XDMCPServer]\nenabled=true\nport=${port}\n`,
        },
      ];
    case 'xdm': {
      const content = xaccessEntries(site).map((e) => `${e}\t# thin client\n`).join('');
      return [
        markedBlock({ path: XDM_XACCESS, content, comment: '#', mode: 0o644 }),
        namedKeys({
          path: XDM_CONFIG,
          mode: 0o644,
          format: 'xresources',
          keys: [{ key: 'DisplayManager.requestPort', value: String(port) }],
        }),
      ];
    }
  }
}

/** Why no display manager gets XDMCP: off in site.toml, none detected, or one ltspcfg-ts does not configure. */
function unused(site: Site, platform: Platform): string | undefined {
  if (!site.xdmcp.enabled) return 'xdmcp.enabled = false';
  const dm = displayManager(site, platform);
  if (dm === undefined) return 'no display manager found (DISPLAYMANAGER= in /etc/conf.d/display-manager is not set)';
  if (!isKnown(dm)) return `display manager "${dm}" (from /etc/conf.d/display-manager) is not one ltspcfg-ts configures`;
  return undefined;
}

export const xdmcp: Target = {
  name: 'xdmcp',
  summary: 'XDMCP for the thin clients in gdm, lightdm or xdm, editing only the keys it needs',
  whyNoFile: unused,
  plan(site, platform) {
    const dm = displayManager(site, platform);
    return unused(site, platform) || !isKnown(dm) ? [] : xdmcpItems(site, dm);
  },
  notes(site, platform) {
    const why = unused(site, platform);
    if (!why || !site.xdmcp.enabled) return [];
    const fix = displayManager(site, platform) === undefined ? 'XDMCP is not configured;' : 'enable XDMCP in its own configuration, or';
    return [`${why}: ${fix} set xdmcp.display_manager to gdm, lightdm or xdm in site.toml`];
  },
};
