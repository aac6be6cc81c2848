// Test sites: the lines nearly every site.toml of the unit tests starts with,
// and the two ways the tests read one (the validated site, or what validation
// refuses). The head is text, not an object: a test appends its own tables,
// and the line numbers in validation messages stay those of the text.
import { parseSite } from '../../src/site/load';
import { SiteError } from '../../src/errors';
import type { Site } from '../../src/site/types';

export interface SiteHead {
  /** server.address (default 192.0.2.1; server.interface is always eth0) */
  address?: string;
  /** network.subnet (default 192.0.2.0/24) */
  subnet?: string;
  routers?: string[];
  /** a [dhcp] table with this mode */
  dhcp?: string;
  /** dhcp.range, with dhcp */
  range?: [string, string];
}

const list = (values: string[]) => `[${values.map((v) => `"${v}"`).join(', ')}]`;

/** `[server]` and `[network]` (and `[dhcp]`), one key a line, after an empty first line. */
export function siteHead({ address = '192.0.2.1', subnet = '192.0.2.0/24', routers, dhcp, range }: SiteHead = {}): string {
  const lines = ['', '[server]', `address = "${address}"`, 'interface = "eth0"', '[network]', `subnet = "${subnet}"`];
  if (routers) lines.push(`routers = ${list(routers)}`);
  if (dhcp) lines.push('[dhcp]', `mode = "${dhcp}"`);
  if (dhcp && range) lines.push(`range = ${list(range)}`);
  return lines.join('\n') + '\n';
}

/** The validated site of `text`, read as /etc/ltsp/site.toml. */
export function loadSite(text: string): Site {
  return parseSite(text, '/etc/ltsp/site.toml').site;
}

/** What validation refuses in `text` (read as `file`), or undefined when it accepts it. */
export function siteError(text: string, file = 'site.toml'): SiteError | undefined {
  try {
    parseSite(text, file);
  } catch (e) {
    if (e instanceof SiteError) return e;
    throw e;
  }
  return undefined;
}
