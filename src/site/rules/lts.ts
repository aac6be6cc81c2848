// lts.conf rules: a section is Default, a host name, a MAC or an address; keys
// are UPPER_CASE; values are text, integers or booleans (written Y and N).
import { checkString, typeName } from '../validate';
import { parseIPv4 } from '../ipv4';
import type { Reporter } from '../reporter';
import type { Host, LtsSection, SiteValues } from '../types';

function entriesOf(r: Reporter, spath: string, entries: Record<string, unknown>): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(entries)) {
    const at = `${spath}.${k}`;
    if (!/^[A-Z][A-Z0-9_]{0,63}$/.test(k)) {
      r.report(at, `"${k}" is not an lts.conf key`, 'expected an UPPER_CASE key like XF86CONFIG_FILE');
      continue;
    }
    if (typeof v === 'boolean') out.push([k, v ? 'Y' : 'N']);
    else if (typeof v === 'number' && Number.isInteger(v)) out.push([k, String(v)]);
    else if (typeof v === 'string') {
      const c = checkString('text', v);
      if ('value' in c) out.push([k, c.value]);
      else r.report(at, c.problem, c.expected);
    } else r.report(at, `${typeName(v)} is not an lts.conf value`, 'expected a string, an integer or true/false');
  }
  return out;
}

/** The lts.conf sections in file order, Default first. */
export function checkLts(r: Reporter, lts: SiteValues['lts'], hosts: Host[]): LtsSection[] {
  const sections: LtsSection[] = [];
  for (const [name, entries] of Object.entries(lts)) {
    const known = name === 'Default' || hosts.some((h) => h.name === name) || 'value' in checkString('mac', name) || parseIPv4(name) !== null;
    if (!known) {
      r.report(`lts.${name}`, `[lts.${name}] names no known client`, `expected Default, a host name (${hosts.slice(0, 3).map((h) => h.name).join(', ') || 'none defined'}), a MAC or an IPv4 address`);
      continue;
    }
    sections.push({ name, entries: entriesOf(r, `lts.${name}`, entries) });
  }
  return sections.sort((a, b) => (a.name === 'Default' ? -1 : b.name === 'Default' ? 1 : 0));
}
