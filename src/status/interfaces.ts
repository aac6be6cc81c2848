// Network interfaces: does the one site.toml names exist and carry server.address?
import type { Site } from '../site/types';
import { NETIFRC_CONF } from '../system/gentoo';
import type { Health, Step, SystemFacts } from './types';

export interface InterfaceStatus {
  name: string;
  /** the interface site.toml names (server.interface) */
  site: boolean;
  /** operstate on the live system (up, down...), "configured" or "unknown" on a staged root */
  state: string;
  addresses: string[];
  health: Health;
  detail: string;
  next: string;
  steps: Step[];
}

/** netifrc's variable suffix for an interface: eth0.5 -> eth0_5 */
const netifrcName = (name: string) => name.replace(/[^A-Za-z0-9_]/g, '_');
const ip = (cidr: string) => cidr.split('/')[0];

export function checkInterfaces(site: Site, facts: SystemFacts): InterfaceStatus[] {
  const want = site.server.interface;
  const address = site.server.address;
  const cidr = `${address}/${site.network.subnets[0].prefix}`;
  const persist = `config_${netifrcName(want)}="${cidr}"`;
  const configured = facts.netifrc?.[netifrcName(want)] ?? null;
  const persisted = configured !== null && configured.some((a) => ip(a) === address);

  if (facts.interfaces === null) {
    // a staged root: only netifrc's configuration can be read
    const base = { name: want, site: true, addresses: configured ?? [], steps: [] as Step[] };
    if (persisted) return [{ ...base, state: 'configured', health: 'ok', detail: `${persist.split('=')[0]} in ${NETIFRC_CONF} has ${address}`, next: 'nothing to do' }];
    if (configured !== null) {
      const step: Step = { phase: 'edit', command: `add ${cidr} to ${persist.split('=')[0]} in ${NETIFRC_CONF}` };
      return [{ ...base, state: 'unknown', health: 'unknown', detail: `${persist.split('=')[0]} in ${NETIFRC_CONF} lacks server.address ${address}`, next: step.command, steps: [step] }];
    }
    return [{ ...base, state: 'unknown', health: 'unknown', detail: `not inspected on a staged root; no ${persist.split('=')[0]} in ${NETIFRC_CONF}`, next: `on the server, \`ip -o -4 addr show dev ${want}\` should list ${cidr}` }];
  }

  const rows: InterfaceStatus[] = [];
  const present = facts.interfaces.find((i) => i.name === want);
  const holder = facts.interfaces.find((i) => i.addresses.some((a) => ip(a) === address));
  for (const i of facts.interfaces) {
    if (i.name === want) continue;
    const note = holder === i ? `has server.address ${address}, but site.toml names ${want}` : 'not used by ltsp-ts';
    rows.push({ name: i.name, site: false, state: i.state, addresses: i.addresses, health: 'ok', detail: note, next: 'nothing to do', steps: [] });
  }
  if (!present) {
    const others = facts.interfaces.filter((i) => i.name !== 'lo').map((i) => i.name);
    const step: Step = holder
      ? { phase: 'edit', command: `set server.interface = "${holder.name}" in site.toml (it has ${address})` }
      : { phase: 'edit', command: `set server.interface in site.toml to one of: ${others.join(', ') || '(no interface found)'}` };
    rows.unshift({ name: want, site: true, state: 'absent', addresses: [], health: 'problem', detail: `server.interface ${want} does not exist here`, next: step.command, steps: [step] });
    return rows;
  }
  const steps: Step[] = [];
  const problems: string[] = [];
  if (!present.addresses.some((a) => ip(a) === address)) {
    if (holder) {
      steps.push({ phase: 'edit', command: `set server.interface = "${holder.name}" in site.toml (it has ${address}), or move the address to ${want}` });
      problems.push(`${address} is on ${holder.name}, not on ${want}`);
    } else {
      if (!persisted) steps.push({ phase: 'edit', command: `add ${persist} to ${NETIFRC_CONF} (keeps it across reboots)` });
      steps.push({ phase: 'start', command: `ip addr add ${cidr} dev ${want}` });
      problems.push(`server.address ${address} is not on ${want}`);
    }
  }
  if (present.state === 'down') {
    steps.push({ phase: 'start', command: `ip link set dev ${want} up` });
    problems.push('link is down (cable, switch?)');
  }
  rows.unshift({
    name: want,
    site: true,
    state: present.state,
    addresses: present.addresses,
    health: steps.length ? 'problem' : 'ok',
    detail: problems.length ? problems.join('; ') : `server.interface, has server.address ${address}`,
    next: steps[0]?.command ?? 'nothing to do',
    steps,
  });
  return rows;
}
