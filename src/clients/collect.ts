// Gathers the events of the clients' last boots from the server's logs: the
// system log (and its rotations) read backwards until every host of the site has
// its last boot's start in the window (with the margin of a slow initramfs's
// second DHCP, INITRAMFS_GAP_MS), --since is passed, or the byte budget is
// spent; then each client's own log file under syslog.log_dir, as far back.
import { basename } from 'node:path';
import type { Site } from '../site/types';
import { listLogDir, readBackwards, rotations } from '../system/logread';
import { BOOT_GAP_MS, INITRAMFS_GAP_MS } from './boots';
import { clientEvent, serverEvent, SERVER_MARKS, type LogEvent } from './events';
import { parseSyslogLine } from './syslogline';

export interface CollectOptions {
  /** the system logs, each with its rotations (e.g. /var/log/messages) */
  logs: string[];
  /** the clients' directory (syslog.log_dir under --root) */
  clientDir: string;
  /** oldest time wanted (ms); null: the last boot of each client */
  since: number | null;
  /** at most this many bytes of system log, and of each client's file */
  maxBytes: number;
  clientMaxBytes: number;
  now: number;
}

export interface Collected {
  events: LogEvent[];
  /** lines read, bytes budget left, files read: for --json and the benchmark */
  linesRead: number;
  filesRead: string[];
  /** why part of the logs could not be read, or where they are not */
  notes: string[];
}

export async function collect(site: Site, o: CollectOptions): Promise<Collected> {
  const events: LogEvent[] = [];
  const notes: string[] = [];
  const filesRead = new Set<string>();
  let linesRead = 0;
  const wanted = new Set(site.hosts.map((h) => h.mac));
  // per site MAC, reading backwards: the oldest line seen and whether a DISCOVER was among them
  const oldest = new Map<string, number>();
  const discovered = new Set<string>();
  const done = new Set<string>();
  let oldestTime: number | null = null;

  for (const log of o.logs) {
    const from = events.length;
    const files = await rotations(log);
    if (!files.length) {
      notes.push(`${log}: no such file (does the system log to a syslog daemon that writes it? a journal-only system is read with journalctl, not here)`);
      continue;
    }
    // only the lines that can be events are decoded; each stretch's oldest line gives its time
    scan: for await (const { file, lines, oldest: oldestLine, scanned } of readBackwards(files, { maxBytes: o.maxBytes, select: SERVER_MARKS }, (f, why) => notes.push(`${f}: ${why}`))) {
      filesRead.add(file);
      linesRead += scanned;
      for (const text of lines) {
        const line = parseSyslogLine(text, o.now);
        if (!line) continue;
        if (line.time !== null) {
          if (o.since !== null && line.time < o.since) break scan;
          if (oldestTime === null || line.time < oldestTime) oldestTime = line.time;
        }
        const e = serverEvent(line, file, text);
        if (e.kind !== 'other') events.push(e);
        if (e.mac && wanted.has(e.mac) && e.time !== null) {
          const seen = oldest.get(e.mac);
          if (discovered.has(e.mac) && seen !== undefined && seen - e.time > INITRAMFS_GAP_MS) done.add(e.mac);
          oldest.set(e.mac, e.time);
          if (e.kind === 'dhcp-discover') discovered.add(e.mac);
        }
      }
      const time = oldestLine === null ? null : (parseSyslogLine(oldestLine, o.now)?.time ?? null);
      if (time === null) continue;
      if (oldestTime === null || time < oldestTime) oldestTime = time;
      if (o.since !== null && time < o.since) break;
      // every host's last boot starts inside what was read: stop
      if (o.since === null && wanted.size) {
        for (const mac of discovered) {
          const seen = oldest.get(mac);
          if (seen !== undefined && seen - time > INITRAMFS_GAP_MS) done.add(mac);
        }
        if (done.size === wanted.size) break;
      }
    }
    // read newest first: back to the order written
    reverseFrom(events, from);
  }

  // the clients' own files: as far back as the system log was read
  const floor = o.since ?? (oldestTime !== null ? oldestTime - BOOT_GAP_MS : null);
  const byName = new Map(site.hosts.map((h) => [h.name, h]));
  const byAddr = new Map(site.hosts.filter((h) => h.address).map((h) => [h.address as string, h]));
  for (const file of await listLogDir(o.clientDir, (why) => notes.push(why))) {
    const from = events.length;
    const sender = basename(file).replace(/\.log$/, '');
    scan: for await (const { lines } of readBackwards([file], { maxBytes: o.clientMaxBytes }, (f, why) => notes.push(`${f}: ${why}`))) {
      filesRead.add(file);
      linesRead += lines.length;
      for (const text of lines) {
        const line = parseSyslogLine(text, o.now);
        if (!line) continue;
        if (floor !== null && line.time !== null && line.time < floor) break scan;
        // sysklogd's clients.log gathers every client: the sender is the host field syslogd wrote
        const who = sender === 'clients' ? line.host : sender;
        const host = byName.get(who) ?? byName.get(who.split('.')[0]) ?? byAddr.get(who);
        events.push(clientEvent(line, host ? { mac: host.mac, ip: host.address, name: who } : { ip: who, name: who }, file, text));
      }
    }
    reverseFrom(events, from);
  }
  return { events, linesRead, filesRead: [...filesRead], notes };
}

function reverseFrom<T>(list: T[], from: number): void {
  for (let i = from, j = list.length - 1; i < j; i++, j--) [list[i], list[j]] = [list[j], list[i]];
}

/** "30m", "2h", "1d", "90s" before now, or a date Date.parse accepts. */
export function parseSince(value: string, now: number): number | null {
  const m = /^([0-9]+)\s*([smhd])$/.exec(value.trim());
  if (m) return now - Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
}
