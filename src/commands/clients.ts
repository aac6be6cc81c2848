// `ltspcfg-ts clients` and `ltspcfg-ts trace HOST|MAC|ADDRESS`: each thin client's
// boot as the server's logs tell it, with the first problem diagnosed.
import { clientRows, type Boot, type ClientRow, type ServerFacts } from '../clients/boots';
import { collect, parseSince, type Collected } from '../clients/collect';
import type { LogEvent } from '../clients/events';
import { normalMac } from '../clients/events';
import type { Site } from '../site/types';
import { nearestFile, tftpFileInfo } from '../system/tftpfiles';
import { nftRuleset } from '../system/netfacts';
import { udpBound } from '../system/ports';
import { nftDrops } from '../clients/nftverdict';
import { serverLogs } from '../clients/serverlogs';
import { syslogDaemon } from '../targets/syslog';
import { UsageError } from '../errors';
import { loadSite, type Context } from './context';
import { outputGone, type Out } from './output';

export interface ClientsFlags {
  json?: boolean;
  follow?: boolean;
  since?: string;
  log?: string[];
  interval?: string;
  stuckAfter?: string;
}

/** the system log read per run when no --since is given: hours to days of a busy server, well under a second */
export const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;
/** with --since: as far as asked, still bounded (the reader holds one chunk at a time) */
export const SINCE_MAX_BYTES = 1024 * 1024 * 1024;

interface Snapshot {
  site: Site;
  rows: ClientRow[];
  collected: Collected;
  now: number;
}

/** Service states from the status checks (for the diagnoses that name a stopped service); empty when unknown. */
function serviceProblems(ctx: Context): Record<string, string> {
  try {
    const { makeReport } = require('./status') as typeof import('./status');
    const { report } = makeReport(ctx);
    const out: Record<string, string> = {};
    for (const s of report.services) if (s.health === 'problem') out[s.service] = `${s.state} (${s.next})`;
    return out;
  } catch {
    return {};
  }
}

async function snapshot(ctx: Context, flags: ClientsFlags, facts: Omit<ServerFacts, 'now'> | null): Promise<Snapshot & { facts: Omit<ServerFacts, 'now'> }> {
  const { site } = loadSite(ctx);
  const now = Date.now();
  let since: number | null = null;
  if (flags.since !== undefined) {
    since = parseSince(flags.since, now);
    if (since === null) throw new UsageError(`--since ${flags.since}: expected a duration (30m, 2h, 1d) or a date (2026-12-01T08:00)`);
  }
  const logs = (flags.log?.length ? flags.log : serverLogs(syslogDaemon(site, ctx.platform.syslogDaemon).daemon)).map((l) => ctx.sys.path(l));
  const collected = await collect(site, {
    logs,
    clientDir: ctx.sys.path(site.syslog.logDir),
    since,
    maxBytes: since === null ? DEFAULT_MAX_BYTES : SINCE_MAX_BYTES,
    clientMaxBytes: 4 * 1024 * 1024,
    now,
  });
  const { cliFor } = require('./status') as typeof import('./status');
  const tftpRoot = ctx.sys.path(site.tftp.root);
  let services: Record<string, string> | null = null;
  // sockets and firewall rules are the running server's: not asked of a --root tree
  const live = ctx.sys.root === '/';
  const f = facts ?? {
    services: () => (services ??= serviceProblems(ctx)),
    nearest: (p: string) => nearestFile(tftpRoot, p),
    tftpFile: (p: string) => tftpFileInfo(tftpRoot, site.tftp.root, p),
    cli: cliFor(ctx),
    udpListening: (port: number) => (live ? udpBound(port) : null),
    firewallDrops: (ip: string, port: number) => (live ? nftDrops(nftRuleset(), { saddr: ip, dport: port, iifname: site.server.interface }) : null),
  };
  const stuck = flags.stuckAfter === undefined ? undefined : Number(flags.stuckAfter);
  if (stuck !== undefined && !(stuck >= 0)) throw new UsageError(`--stuck-after ${flags.stuckAfter}: expected a number of seconds`);
  const rows = clientRows(site, collected.events, { ...f, now, stuckMs: stuck === undefined ? undefined : stuck * 1000 });
  return { site, rows, collected, now, facts: f };
}

const pad2 = (n: number) => String(n).padStart(2, '0');
function clock(t: number | null, now: number): string {
  if (t === null) return '-';
  const d = new Date(t);
  const hms = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  return now - t > 86_400_000 ? `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${hms}` : hms;
}

function iso(t: number | null): string | null {
  return t === null ? null : new Date(t).toISOString();
}

function bootJson(b: Boot) {
  return {
    start: iso(b.start),
    stage: b.stage,
    stage_time: iso(b.stageTime),
    boot_seconds: b.seconds === null ? null : Math.round(b.seconds * 10) / 10,
    stages: b.stages.map((s) => ({ stage: s.stage, time: iso(s.time), after_seconds: s.time !== null && b.start !== null ? Math.round((s.time - b.start) / 100) / 10 : null })),
    problem: b.problem,
  };
}

function rowJson(r: ClientRow) {
  return { name: r.name, mac: r.mac, address: r.address, known: r.known, last_boot: r.boot ? bootJson(r.boot) : null, boots_in_window: r.boots.length };
}

function table(rows: ClientRow[], now: number, out: Out): string[] {
  const head = ['NAME', 'MAC', 'ADDRESS', 'STAGE', 'WHEN', 'BOOT', 'PROBLEM'];
  const cells = rows.map((r) => [
    r.name ?? (r.mac ? '(unknown)' : '(unknown address)'),
    r.mac ?? '-',
    r.address ?? '-',
    r.boot?.stage ?? (r.boot ? 'asked' : '-'),
    clock(r.boot?.stageTime ?? r.boot?.start ?? null, now),
    r.boot?.seconds != null ? `${r.boot.seconds.toFixed(1)}s` : '-',
    r.boot?.problem?.code ?? (r.boot ? 'ok' : 'no boot seen'),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const fmt = (c: string[]) => c.map((x, i) => (i === c.length - 1 ? x : x.padEnd(widths[i]))).join('  ');
  const lines = [out.paint('bold', fmt(head))];
  for (const c of cells) lines.push(c[6] === 'ok' || c[6] === 'no boot seen' ? fmt(c) : fmt(c.slice(0, 6).concat(out.paint('red', c[6]))));
  const problems = rows.filter((r) => r.boot?.problem);
  if (problems.length) lines.push('');
  for (const r of problems) {
    const p = r.boot?.problem;
    if (!p) continue;
    lines.push(`${out.paint('bold', r.name ?? r.mac ?? r.address ?? '?')}: ${p.diagnosis}`);
    for (const [i, l] of p.fix.split('\n').entries()) lines.push(`  ${i === 0 ? 'fix: ' : '     '}${l}`);
  }
  return lines;
}

function notesLines(c: Collected): string[] {
  return c.notes.map((n) => `note: ${n}`);
}

/** One line per change, for --follow without a terminal. */
function changeLine(r: ClientRow, now: number): string {
  const who = r.name ?? r.mac ?? r.address ?? '?';
  const b = r.boot;
  const p = b?.problem ? ` problem=${b.problem.code}: ${b.problem.diagnosis}` : '';
  return `${clock(b?.stageTime ?? b?.start ?? null, now)} ${who} ${r.mac ?? '-'} ${r.address ?? '-'} stage=${b?.stage ?? 'asked'}${b?.seconds != null ? ` boot=${b.seconds.toFixed(1)}s` : ''}${p}`;
}

export async function runClients(ctx: Context, out: Out, flags: ClientsFlags): Promise<number> {
  let snap = await snapshot(ctx, flags, null);
  if (!flags.follow) {
    if (flags.json) {
      process.stdout.write(JSON.stringify({ clients: snap.rows.map(rowJson), lines_read: snap.collected.linesRead, files: snap.collected.filesRead, notes: snap.collected.notes }, null, 2) + '\n');
    } else {
      for (const l of table(snap.rows, snap.now, out)) out.line(l);
      for (const l of notesLines(snap.collected)) out.error(l);
    }
    return snap.rows.some((r) => r.boot?.problem) ? 1 : 0;
  }
  const interval = Math.max(200, Number(flags.interval ?? 1000) || 1000);
  const seen = new Map<string, string>();
  let stop = false;
  const onSignal = () => {
    stop = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  for (;;) {
    if (out.tty && !flags.json) {
      // redraw in place: home, the table, clear what the last one left below
      const lines = table(snap.rows, snap.now, out);
      process.stdout.write('\x1b[H\x1b[2J' + lines.join('\n') + `\n\n${out.paint('dim', `${clock(snap.now, snap.now)}  following ${snap.collected.filesRead.length} log files; Ctrl-C to stop`)}\n`);
    } else {
      for (const r of snap.rows) {
        const key = r.mac ?? r.address ?? r.name ?? '?';
        const state = JSON.stringify([r.boot?.stage ?? null, r.boot?.start ?? null, r.boot?.problem?.code ?? null]);
        if (!r.boot || seen.get(key) === state) continue;
        seen.set(key, state);
        out.line(flags.json ? JSON.stringify(rowJson(r)) : changeLine(r, snap.now));
      }
    }
    const until = Date.now() + interval;
    // following for no one: the reader of the output went away
    while (!stop && !outputGone() && Date.now() < until) await new Promise((res) => setTimeout(res, 50));
    if (stop || outputGone()) return 0;
    snap = await snapshot(ctx, flags, snap.facts);
  }
}

function findRow(rows: ClientRow[], who: string): ClientRow | undefined {
  const mac = /^[0-9a-fA-F]{1,2}([:-][0-9a-fA-F]{1,2}){5}$/.test(who) ? normalMac(who.replace(/-/g, ':')) : null;
  return rows.find((r) => (mac && r.mac === mac) || r.name === who || r.address === who);
}

function eventLine(e: LogEvent, start: number | null): string {
  const t = e.time === null ? '?' : new Date(e.time).toISOString().slice(11, 19);
  const rel = e.time !== null && start !== null ? `+${((e.time - start) / 1000).toFixed(1)}s`.padStart(8) : ''.padStart(8);
  const src = e.source === 'unknown' ? 'unknown source' : e.source;
  const claim = e.claims ? ` [the line claims host "${e.claims}"; the server received it from ${e.mac ? 'this client' : e.ip}]` : '';
  return `${t} ${rel}  ${src.padEnd(15)} ${e.line}${claim}   (${e.file})`;
}

export async function runTrace(ctx: Context, out: Out, who: string, flags: ClientsFlags & { boots?: string }): Promise<number> {
  const snap = await snapshot(ctx, flags, null);
  const row = findRow(snap.rows, who);
  if (!row) {
    const known = snap.site.hosts.map((h) => h.name).join(', ');
    throw new UsageError(`trace ${who}: no host of site.toml and no client in the logs has this name, MAC or address (hosts: ${known || 'none'})`);
  }
  const count = Math.max(1, Number(flags.boots ?? 1) || 1);
  const boots = row.boots.slice(-count);
  if (flags.json) {
    process.stdout.write(
      JSON.stringify({ ...rowJson(row), boots: boots.map((b) => ({ ...bootJson(b), lines: b.events.map((e) => ({ time: iso(e.time), source: e.source, kind: e.kind, file: e.file, line: e.line, ...(e.claims ? { claims: e.claims } : {}) })) })) }, null, 2) + '\n',
    );
    return boots.some((b) => b.problem) ? 1 : 0;
  }
  out.line(out.paint('bold', `${row.name ?? '(not in site.toml)'}  ${row.mac ?? '-'}  ${row.address ?? '-'}`));
  if (!boots.length) out.line('no boot of this client in the logs read (try --since 1d)');
  for (const b of boots) {
    out.line('');
    out.line(`boot at ${clock(b.start, snap.now)}: reached ${b.stage ?? 'nothing'}${b.seconds != null ? ` after ${b.seconds.toFixed(1)} s` : ''} (${b.stages.map((s) => s.stage).join(' -> ') || 'no stage'})`);
    for (const e of b.events) out.line(eventLine(e, b.start));
    if (b.problem) {
      out.line(`${out.paint('red', 'problem')}: ${b.problem.diagnosis}`);
      for (const [i, l] of b.problem.fix.split('\n').entries()) out.line(`  ${i === 0 ? 'fix: ' : '     '}${l}`);
    }
  }
  for (const l of notesLines(snap.collected)) out.error(l);
  return boots.some((b) => b.problem) ? 1 : 0;
}
