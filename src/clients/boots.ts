// From log events to each client's boots: who each line is about, where a boot
// starts, which stage it reached, and the first problem with its diagnosis.
// Pure: the events and the site in, rows out (the files are read elsewhere).
import type { Host, Site } from '../site/types';
import { imageOf } from '../site/boot-line';
import type { LogEvent } from './events';

export const STAGES = ['dhcp', 'bootloader', 'config', 'kernel', 'initrd', 'root', 'syslog', 'session'] as const;
export type Stage = (typeof STAGES)[number];

export interface Problem {
  /** a short name: foreign-dhcp, unknown-mac, tftp-not-found, tftp-denied, no-mount, mount-refused, no-session */
  code: string;
  time: number | null;
  /** what happened, naming the file, server, address */
  diagnosis: string;
  /** the exact commands or site.toml lines that fix it */
  fix: string;
}

export interface Boot {
  start: number | null;
  /** the last stage reached, and when */
  stage: Stage | null;
  stageTime: number | null;
  /** seconds from the first DISCOVER to the last stage reached */
  seconds: number | null;
  /** every stage passed, with the time it was first reached */
  stages: { stage: Stage; time: number | null }[];
  events: LogEvent[];
  problem: Problem | null;
}

export interface ClientRow {
  name: string | null;
  mac: string | null;
  address: string | null;
  known: boolean;
  /** the last boot, null when the logs say nothing of this client */
  boot: Boot | null;
  /** every boot found in the window, oldest first */
  boots: Boot[];
  /** lines that name this client's address but come from no source we trust for its identity */
  unattributed: number;
}

/** What `clients` knows of the server beside the logs, for the diagnoses that depend on it. */
export interface ServerFacts {
  /** the services not running fine, e.g. nfs: "stopped (rc-service nfs start)"; asked only when a diagnosis needs it */
  services(): Record<string, string>;
  /** the TFTP root's entries near a path, for "nearest existing file" */
  nearest(path: string): string | null;
  /** the file under the TFTP root a request maps to, and its owner/mode when it exists */
  tftpFile(path: string): { path: string; stat: string | null };
  /** the command line that points ltspcfg-ts at this site */
  cli: string;
  now: number;
  /** how long after its last line a client that stopped short counts as stuck (default STUCK_MS) */
  stuckMs?: number;
  /** whether anything on this server listens on UDP port `port` (null: cannot tell) */
  udpListening?(port: number): boolean | null;
  /** why the firewall loaded now drops UDP from `ip` to `port` on the thin-client interface; null when it does not, or cannot tell */
  firewallDrops?(ip: string, port: number): string | null;
}

/** Boot gap: a DISCOVER after this long without a line of the client starts a new boot. */
export const BOOT_GAP_MS = 60_000;
/**
 * After its kernel and initrd, a thin client's initramfs asks DHCP again: on a
 * slow machine minutes later (a QEMU client without KVM here: over a minute).
 * Until its root is mounted, such a DISCOVER is the same boot unless it comes
 * this late (a real reboot fetches the bootloader again, which splits it anyway).
 */
export const INITRAMFS_GAP_MS = 10 * 60_000;
/** How long after its last line a client that stopped short counts as stuck. */
export const STUCK_MS = 60_000;

const strip = (p: string) => p.replace(/^\/+/, '');

function fileStage(site: Site, host: Host | undefined, path: string): Stage | null {
  const p = strip(path);
  if (p.startsWith('pxelinux.cfg/')) return 'config';
  if (p === strip(site.boot.kernel)) return 'kernel';
  if (site.boot.initrd && p === strip(site.boot.initrd)) return 'initrd';
  if (host?.filename && p === strip(host.filename)) return 'bootloader';
  if (p === strip(site.boot.pxeFilename) || p === strip(site.boot.etherbootFile) || /\.(c32|0|kpxe|efi|ipxe)$/.test(p)) return 'bootloader';
  if (/vmlinu[xz]|bzImage/.test(p)) return 'kernel';
  if (/initr(d|amfs)/.test(p)) return 'initrd';
  return null;
}

const isDiscover = (e: LogEvent) => e.kind === 'dhcp-discover';

/** The read request a TFTP NAK (events[i]) answers: same in.tftpd process, else the latest read from that address. */
function requestOf(events: LogEvent[], i: number): LogEvent | undefined {
  const nak = events[i];
  let byAddr: LogEvent | undefined;
  for (let j = i - 1; j >= 0; j--) {
    const e = events[j];
    if (e.kind !== 'tftp-read' || e.ip !== nak.ip) continue;
    if (nak.pid !== undefined && e.pid === nak.pid) return e;
    byAddr ??= e;
  }
  return byAddr;
}

/**
 * Assigns every event to a client key: "mac:<mac>" for a MAC, else the MAC of a
 * site host with that fixed address, else the MAC last given that address by a
 * DHCPACK or a proxy answer seen before it; otherwise "ip:<address>".
 */
function attribute(site: Site, events: LogEvent[]): Map<string, LogEvent[]> {
  const byFixed = new Map(site.hosts.filter((h) => h.address).map((h) => [h.address as string, h.mac]));
  const leased = new Map<string, string>();
  const out = new Map<string, LogEvent[]>();
  const add = (k: string, e: LogEvent) => {
    let l = out.get(k);
    if (!l) out.set(k, (l = []));
    l.push(e);
  };
  for (const e of events) {
    if (e.kind === 'other') continue;
    if (e.mac) {
      if (e.ip && (e.kind === 'dhcp-ack' || e.kind === 'proxy-offer')) leased.set(e.ip, e.mac);
      add(`mac:${e.mac}`, e);
    } else if (e.ip) {
      const mac = byFixed.get(e.ip) ?? leased.get(e.ip);
      add(mac ? `mac:${mac}` : `ip:${e.ip}`, e);
    }
  }
  return out;
}

/** Splits one client's events (in time order) into boots. */
function splitBoots(site: Site, host: Host | undefined, events: LogEvent[]): LogEvent[][] {
  const boots: LogEvent[][] = [];
  let cur: LogEvent[] = [];
  let last: number | null = null;
  let loaderFetched = false;
  let lastDiscover = -1; // index in cur of the latest DISCOVER
  let inInitramfs = false; // kernel or initrd fetched, root not yet mounted
  for (const e of events) {
    const gap = last !== null && e.time !== null && e.time - last > (inInitramfs ? INITRAMFS_GAP_MS : BOOT_GAP_MS);
    if (cur.length && isDiscover(e) && gap) {
      boots.push(cur);
      cur = [];
      loaderFetched = false;
      lastDiscover = -1;
      inInitramfs = false;
    }
    if (e.kind === 'tftp-read' && e.path) {
      const s = fileStage(site, host, e.path);
      if (s === 'kernel' || s === 'initrd') inInitramfs = true;
    }
    if (e.kind === 'mount' || e.kind === 'client-log' || e.kind === 'session') inInitramfs = false;
    if (e.kind === 'tftp-read' && e.path && fileStage(site, host, e.path) === 'bootloader' && strip(e.path) === strip(host?.filename ?? site.boot.pxeFilename)) {
      // the bootloader again: the machine rebooted at its latest DISCOVER
      if (loaderFetched && lastDiscover > 0) {
        boots.push(cur.slice(0, lastDiscover));
        cur = cur.slice(lastDiscover);
        lastDiscover = 0;
      }
      loaderFetched = true;
    }
    if (isDiscover(e)) lastDiscover = cur.length;
    cur.push(e);
    if (e.time !== null) last = e.time;
  }
  if (cur.length) boots.push(cur);
  return boots;
}


function hostLines(mac: string, ip: string | undefined, site: Site): string {
  const name = `ws-${mac.split(':').slice(-3).join('')}`;
  const lines = ['[[host]]', `name = "${name}"`, `mac  = "${mac}"`];
  if (ip && site.dhcp.mode !== 'proxy') lines.push(`# address = "${ip}"   (optional: a fixed address outside dhcp.range)`);
  return lines.join('\n');
}

/** The first problem of a boot, with its diagnosis and fix. */
function diagnose(site: Site, host: Host | undefined, mac: string | null, boot: LogEvent[], reached: Stage | null, facts: ServerFacts): Problem | null {
  const server = site.server.address;
  const { cli } = facts;
  const first = boot[0];
  for (let i = 0; i < boot.length; i++) {
    const e = boot[i];
    if (e.kind === 'dhcp-request' && e.serverId && e.serverId !== server && e.source === 'dhcpd') {
      const modeFix =
        site.dhcp.mode === 'primary'
          ? `another DHCP server answers on this network: either stop it, or leave it the addresses and set in site.toml [dhcp] mode = "proxy" (stock PXE ROMs) or mode = "port-1067" (Etherboot ROMs built for ports 1067/1068), then \`${cli} apply\``
          : `set in site.toml [dhcp] mode = "proxy" (stock PXE ROMs) or mode = "port-1067" (Etherboot ROMs built for ports 1067/1068), then \`${cli} apply\``;
      return {
        code: 'foreign-dhcp',
        time: e.time,
        diagnosis: `took its address from another DHCP server: it asked ${e.serverId} (DHCPREQUEST for ${e.ip}), not this server (${server}); that server's answer has no boot file from this one, hence the wiki's "No root path" or no boot at all`,
        fix: modeFix,
      };
    }
    if (e.kind === 'tftp-nak') {
      // the request it answers: the latest read from that address before it
      const rrq = requestOf(boot, i);
      const asked = rrq?.path ?? '(a file)';
      // pxelinux tries 01-<mac>, the address in hex, then default: only the last miss matters
      if (e.code === 1 && rrq?.path && strip(rrq.path).startsWith('pxelinux.cfg/')) {
        const later = boot.slice(i + 1).some((x) => x.kind === 'tftp-read' && x.path && strip(x.path).startsWith('pxelinux.cfg/') && !boot.slice(boot.indexOf(x) + 1, boot.indexOf(x) + 2).some((n) => n.kind === 'tftp-nak'));
        if (later || strip(rrq.path) !== 'pxelinux.cfg/default') continue;
      }
      const mapped = facts.tftpFile(asked);
      if (e.code === 1) {
        const near = facts.nearest(asked);
        return {
          code: 'tftp-not-found',
          time: e.time,
          diagnosis: `TFTP error 1 (File not found): it asked for "${asked}", which is ${mapped.path} under tftp.root ${site.tftp.root}${near ? `; the nearest existing file is ${near}` : '; nothing with a similar name exists there'}`,
          fix: near
            ? `put the file at ${mapped.path}, or point site.toml at the existing one ("/${strip(near)}" in [boot]), then \`${cli} apply\``
            : `put the file at ${mapped.path}, or correct the name in site.toml [boot], then \`${cli} apply\``,
        };
      }
      if (e.code === 2 || /denied|violation/i.test(e.why ?? '')) {
        return {
          code: 'tftp-denied',
          time: e.time,
          diagnosis: `TFTP error ${e.code} (${e.why}): in.tftpd, running as ${site.tftp.user}, cannot read "${asked}" (${mapped.path}${mapped.stat ? `, ${mapped.stat}` : ''}); tftp-hpa serves only world-readable files`,
          fix: `rc-service ltsp-tftpd restart   (every start gives ${site.tftp.root} to ${site.tftp.user}:${site.tftp.group} and makes it readable; the wiki's chown by hand)`,
        };
      }
      return { code: 'tftp-error', time: e.time, diagnosis: `TFTP error ${e.code} (${e.why}) for "${asked}"`, fix: `see in.tftpd's lines with \`${cli} trace ${host?.name ?? mac ?? e.ip}\`` };
    }
    if (e.kind === 'mount-refused') {
      return {
        code: 'mount-refused',
        time: e.time,
        diagnosis: `rpc.mountd refused its root: ${e.ip} asked to mount ${e.path} (${e.why}); ${site.nfs.root} is exported to ${site.network.subnets.map((s) => s.cidr).join(', ')} by the exports target`,
        fix: e.path && strip(e.path) !== strip(site.nfs.root) ? `the client asks for ${e.path}, not nfs.root ${site.nfs.root}: correct its root-path (option 17 / nfsroot=) or nfs.root, then \`${cli} apply\`` : `\`${cli} apply --only exports\`, then exportfs -ra (the address ${e.ip} must lie in an exported subnet)`,
      };
    }
    if (e.kind === 'client-failed') {
      const why = e.why ?? '';
      const image = imageOf(site, host);
      const fix = /nbd-client|NBD|nbd0/.test(why)
        ? `rc-service ltsp-nbd status (start it if stopped); \`${cli} image --check\` (the export${image ? ` ${image.name}` : ''} must exist in ${site.nbd.dir})`
        : /NFS|nfs/.test(why)
          ? `the root must be exported to ${host?.address ?? e.ip ?? 'the client'} (\`${cli} apply --only exports\`, then exportfs -ra) and the NFS server running (\`${cli} status\`); the client mounts NFSv4 read-only, else NFSv3 (which needs rpcbind on the server)`
          : `\`${cli} trace ${host?.name ?? mac ?? e.ip ?? ''}\` shows what the client said before; \`${cli} status\``;
      return { code: 'client-failed', time: e.time, diagnosis: `its initramfs gave up: "${why}" (it retries from the start after 30 s)`, fix };
    }
  }
  if (!host && mac) {
    const ip = boot.find((e) => e.ip)?.ip;
    const answered = boot.some((e) => e.kind === 'dhcp-ack' || e.kind === 'proxy-offer');
    return {
      code: 'unknown-mac',
      time: first?.time ?? null,
      diagnosis: `a machine not in site.toml asked for a boot (MAC ${mac}${ip ? `, address ${ip}` : ''})${site.dhcp.bootUnknownClients || answered ? '' : '; dhcp.boot_unknown_clients is false, so it gets no boot file'}`,
      fix: `if it is a thin client, add it to site.toml, then \`${cli} apply\`:\n${hostLines(mac, ip, site)}`,
    };
  }
  const last = boot[boot.length - 1];
  const quiet = last?.time !== null && last?.time !== undefined && facts.now - last.time > (facts.stuckMs ?? STUCK_MS);
  if (quiet && (reached === 'initrd' || reached === 'kernel') && !boot.some((e) => e.kind === 'mount' || e.kind === 'client-log' || e.kind === 'session')) {
    const why: string[] = [];
    const services = facts.services();
    const image = imageOf(site, host);
    const nbd = image?.serve === 'nbd';
    const root = !image ? `${server}:${site.nfs.root}` : nbd ? `NBD export ${image.name} on ${server}:${site.nbd.port}` : `NFS ${server}:${image.root}`;
    for (const s of [...(nbd ? ['ltsp-nbd'] : ['nfs', 'rpcbind']), site.firewall.enabled ? site.firewall.backend : ''])
      if (s && services[s]) why.push(`${s} is ${services[s]}`);
    const said = [...boot].reverse().find((e) => e.kind === 'client-init');
    if (said) why.push(`its initramfs last said "${said.line.replace(/^.*?ltsp-init(?:\[[0-9]+\])?: /, '')}"`);
    const unheard = nbd
      ? `nbd-server never served it: the kernel line's ltsp.root=, or a firewall between them (NBD needs ${site.nbd.port}/tcp)`
      : `the NFS server never heard from it: a wrong root-path / nfsroot= on its kernel line, or a firewall between them (NFS needs 111 and 2049, and mountd's port ${site.nfs.mountdPort})`;
    return {
      code: 'no-mount',
      time: last.time,
      diagnosis: `fetched its kernel and initrd but never ${said ? 'mounted' : 'asked to mount'} its root (${root}): ${why.length ? why.join('; ') : unheard}`,
      fix: why.length && !said ? `\`${cli} status\` and run its plan (start what is stopped)` : `\`${cli} status\`; check the kernel line in pxelinux.cfg and the root-path dhcpd sends (\`${cli} render dhcpd\`)`,
    };
  }
  // the client's session script says no display manager opened its display (after 90 s): no need to wait for quiet
  const lastSession = boot.map((e) => e.kind).lastIndexOf('session');
  const toldNone = boot.findIndex((e, i) => e.kind === 'no-session' && i > lastSession) >= 0;
  if ((toldNone || quiet) && (reached === 'root' || reached === 'syslog') && lastSession < 0) {
    const x = site.xdmcp;
    let diagnosis: string;
    let fix: string;
    const services = facts.services();
    const dm = Object.keys(services).find((s) => s === 'display-manager' || s === 'xdm' || s === 'lightdm' || s === 'gdm');
    const ip = host?.address ?? [...boot].reverse().find((e) => e.ip && (e.kind === 'dhcp-ack' || e.kind === 'proxy-offer'))?.ip;
    const listening = facts.udpListening?.(x.port) ?? null;
    const dropped = ip && listening !== false ? (facts.firewallDrops?.(ip, x.port) ?? null) : null;
    if (!x.enabled) {
      diagnosis = 'its root was mounted but no XDMCP session followed: XDMCP is disabled (xdmcp.enabled = false), the display manager does not answer the client\'s query';
      fix = `set in site.toml [xdmcp] enabled = true, then \`${cli} apply\` and rc-service display-manager restart`;
    } else if (listening === false) {
      diagnosis = `its root was mounted but no XDMCP session followed: nothing on this server listens on ${x.port}/udp, the display manager (${x.displayManager === 'auto' ? 'display-manager' : x.displayManager}) is not running${dm ? ` (${dm} is ${services[dm]})` : ''}`;
      fix = 'rc-service display-manager start   (or restart it, if it runs without XDMCP)';
    } else if (dm && listening !== true) {
      diagnosis = `its root was mounted but no XDMCP session followed: the display manager is ${services[dm]}`;
      fix = 'rc-service display-manager start';
    } else if (dropped) {
      diagnosis = `its root was mounted but no XDMCP session followed: the display manager listens on ${x.port}/udp, but the firewall drops ${ip}'s query: ${dropped}`;
      fix = `let the thin-client subnets reach ${x.port}/udp in that chain (nftables: an accept in table ltsp_ts does not override a drop in another table), or \`${cli} apply --only firewall\` and rc-service ${site.firewall.backend} reload`;
    } else if (site.firewall.enabled && services[site.firewall.backend]) {
      diagnosis = `its root was mounted but no XDMCP session followed: the firewall (${site.firewall.backend}) is ${services[site.firewall.backend]}, and XDMCP needs ${x.port}/udp open to the clients`;
      fix = `\`${cli} apply --only firewall\`, then rc-service ${site.firewall.backend} restart`;
    } else {
      diagnosis = `its root was mounted but no XDMCP session followed: the display manager logged nothing from it; check that ${x.port}/udp reaches the server (firewall) and that the client's X runs with -query ${server}`;
      fix = `\`${cli} status\`; on the server: ss -lun 'sport = :${x.port}'`;
    }
    return { code: 'no-session', time: last.time, diagnosis, fix };
  }
  return null;
}

function summarize(site: Site, host: Host | undefined, mac: string | null, events: LogEvent[], facts: ServerFacts): Boot {
  const stages: { stage: Stage; time: number | null }[] = [];
  const reach = (s: Stage, t: number | null) => {
    if (!stages.some((x) => x.stage === s)) stages.push({ stage: s, time: t });
  };
  const naked = new Set<LogEvent>();
  events.forEach((e, i) => {
    const rrq = e.kind === 'tftp-nak' ? requestOf(events, i) : undefined;
    if (rrq) naked.add(rrq);
  });
  events.forEach((e) => {
    if (e.kind === 'dhcp-ack' || e.kind === 'proxy-offer') reach('dhcp', e.time);
    else if (e.kind === 'tftp-read' && e.path && !naked.has(e)) {
      const s = fileStage(site, host, e.path);
      if (s) reach(s, e.time);
    } else if (e.kind === 'mount') reach('root', e.time);
    else if (e.kind === 'client-log') reach('syslog', e.time);
    else if (e.kind === 'session') reach('session', e.time);
  });
  stages.sort((a, b) => STAGES.indexOf(a.stage) - STAGES.indexOf(b.stage));
  const top = stages.length ? stages[stages.length - 1] : null;
  const start = events.find(isDiscover)?.time ?? events[0]?.time ?? null;
  const seconds = top?.time != null && start !== null ? Math.max(0, (top.time - start) / 1000) : null;
  return {
    start,
    stage: top?.stage ?? null,
    stageTime: top?.time ?? null,
    seconds,
    stages,
    events,
    problem: diagnose(site, host, mac, events, top?.stage ?? null, facts),
  };
}

/** One row per site host, then one per unknown MAC or address seen. */
/** Within one second (syslog's resolution), the order a boot goes in: DHCP, then TFTP, mount, the client itself. */
const SOURCE_ORDER: Record<string, number> = { dhcpd: 0, dnsmasq: 0, tftpd: 1, mountd: 2, client: 3, 'display-manager': 4, unknown: 5 };

/** Events in time order; `events` must hold each file's lines in the order written (the sort is stable). */
export function timeOrder(events: LogEvent[]): LogEvent[] {
  return events.filter((e) => e.kind !== 'other').sort((a, b) => (a.time ?? 0) - (b.time ?? 0) || SOURCE_ORDER[a.source] - SOURCE_ORDER[b.source]);
}

export function clientRows(site: Site, events: LogEvent[], facts: ServerFacts): ClientRow[] {
  const sorted = timeOrder(events);
  const byKey = attribute(site, sorted);
  const rows: ClientRow[] = [];
  const row = (host: Host | undefined, mac: string | null, ip: string | null, evs: LogEvent[]): ClientRow => {
    const boots = splitBoots(site, host, evs).map((b) => summarize(site, host, mac, b, facts));
    const address = host?.address ?? [...evs].reverse().find((e) => e.ip && (e.kind === 'dhcp-ack' || e.kind === 'proxy-offer'))?.ip ?? ip;
    return { name: host?.name ?? null, mac, address: address ?? null, known: !!host, boot: boots.length ? boots[boots.length - 1] : null, boots, unattributed: 0 };
  };
  for (const h of site.hosts) {
    rows.push(row(h, h.mac, h.address ?? null, byKey.get(`mac:${h.mac}`) ?? []));
    byKey.delete(`mac:${h.mac}`);
  }
  for (const [key, evs] of byKey) {
    if (key.startsWith('mac:')) rows.push(row(undefined, key.slice(4), null, evs));
  }
  // lines that name an address only (TFTP, mount, a client's log) and no lease or host explains
  for (const [key, evs] of byKey) {
    if (!key.startsWith('ip:')) continue;
    const r = row(undefined, null, key.slice(3), evs);
    r.unattributed = evs.length;
    for (const b of r.boots)
      b.problem = {
        code: 'unknown-address',
        time: b.start,
        diagnosis: `${key.slice(3)} is not the address of any host in site.toml nor one this server leased in the window read: its lines are shown, but say nothing of which machine it is`,
        fix: `give the machine a fixed address in site.toml, or read further back (--since)`,
      };
    rows.push(r);
  }
  return rows;
}
