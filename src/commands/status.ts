// status: what the site needs and what the system has (LTSP 4's "S" screen):
// interfaces, services, packages, generated files, and the next commands.
import { resolve } from 'node:path';
import { targets } from '../targets';
import { inspect, type FileStatus, type Inspection } from '../system/inspect';
import {
  hasInitScript,
  installedVersions,
  readDisplayManager,
  readInterfaces,
  readNetifrc,
  runlevelServices,
  serviceState,
  whyNotLive,
} from '../system/gentoo';
import { checkTree } from '../system/treecheck';
import { portHolders } from '../system/ports';
import { ALL_ATOMS, requiredServices, serviceName } from '../status/services';
import { buildReport, type Report } from '../status/report';
import type { Health, SystemFacts } from '../status/types';
import type { Site } from '../site/types';
import type { Platform } from '../targets/types';
import type { SystemRoot } from '../system/fsroot';
import { siteOf, type Context } from './context';
import type { Out } from './output';

/** Reads everything the checks need from the configured system. */
function readFacts(sys: SystemRoot, site: Site, platform: Platform): SystemFacts {
  const facts: SystemFacts = {
    packages: Object.fromEntries(ALL_ATOMS.map((a) => [a, installedVersions(sys, a)])),
    runlevel: runlevelServices(sys, 'default'),
    initScripts: {},
    running: {},
    notLive: whyNotLive(sys),
    displayManager: readDisplayManager(sys),
    interfaces: readInterfaces(sys),
    netifrc: readNetifrc(sys),
    ...(platform.syslogDaemon ? { platformSyslog: platform.syslogDaemon } : {}),
  };
  for (const need of requiredServices(site, facts)) {
    facts.initScripts[need.service] = hasInitScript(sys, need.service);
    const name = serviceName(need, facts.runlevel);
    if (facts.notLive === null) facts.running[name] = serviceState(sys, name);
    for (const c of need.conflicts) if (facts.notLive === null) facts.running[c.service] = serviceState(sys, c.service);
    // the port of a service that is not running: its own daemon holds it otherwise
    if (need.port && facts.notLive === null && facts.running[name] !== 'started') {
      const holders = portHolders(need.port.want, need.port.shared);
      if (holders) (facts.portHolders ??= {})[need.service] = holders;
    }
  }
  return facts;
}

const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** ltspcfg-ts with the options that point it at this same system and site. */
export function cliFor(ctx: Context): string {
  const parts = ['ltspcfg-ts'];
  if (ctx.opts.gentoo) parts.push('--gentoo');
  if (ctx.sys.root !== '/') parts.push('--root', quote(ctx.sys.root));
  if (ctx.opts.config) parts.push('--config', quote(resolve(ctx.configPath)));
  return parts.join(' ');
}

interface StatusReport {
  site: Site;
  facts: SystemFacts;
  /** every target planned and compared with the disk: apply can carry out this same plan */
  inspection: Inspection;
  report: Report;
}

/** The report for a set of files; trees are looked at as they are now. */
export function reportFor(ctx: Context, site: Site, facts: SystemFacts, files: FileStatus[], notes: Inspection['notes']): Report {
  const trees = Object.fromEntries(files.filter((f) => f.kind === 'tree').map((f) => [f.path, checkTree(ctx.sys.path(f.path))]));
  return buildReport(site, facts, files, notes, cliFor(ctx), trees);
}

export function makeReport(ctx: Context): StatusReport {
  const site = siteOf(ctx);
  const inspection = inspect(site, ctx.platform, targets, ctx.sys);
  const facts = readFacts(ctx.sys, site, ctx.platform);
  return { site, facts, inspection, report: reportFor(ctx, site, facts, inspection.files, inspection.notes) };
}

/** Prints the report; returns the exit code. */
export function runStatus(ctx: Context, out: Out, json: boolean, made: StatusReport = makeReport(ctx)): number {
  const { site, facts, report } = made;
  const code = report.problems ? 1 : 0;
  if (json) {
    out.line(JSON.stringify(toJson(ctx, site, facts, report), null, 2));
    return code;
  }
  printTable(ctx, out, site, facts, report);
  return code;
}

function toJson(ctx: Context, site: Site, facts: SystemFacts, r: Report) {
  const commands = (l: { steps: { command: string }[] }) => l.steps.map((s) => s.command);
  return {
    site: ctx.configPath,
    root: ctx.sys.root,
    gentoo: ctx.platform.gentoo,
    live: facts.notLive === null,
    ...(facts.notLive ? { not_live: facts.notLive } : {}),
    server: { address: site.server.address, interface: site.server.interface, hostname: site.server.hostname },
    dhcp_mode: site.dhcp.mode,
    interfaces: r.interfaces.map((i) => ({ name: i.name, site: i.site, state: i.state, addresses: i.addresses, health: i.health, detail: i.detail, next: i.next, steps: commands(i) })),
    services: r.services.map((s) => ({
      service: s.service,
      role: s.role,
      state: s.state,
      health: s.health,
      installed: s.installed,
      packages: s.packages.map((p) => ({ atom: p.atom, installed: p.installed, ...(p.missingUse.length ? { missing_use: p.missingUse } : {}) })),
      script: s.script,
      runlevel: s.runlevel,
      running: s.running,
      detail: s.detail,
      next: s.next,
      steps: commands(s),
    })),
    packages: r.packages.map((p) => ({ atom: p.atom, role: p.role, state: p.state, installed: p.installed, health: p.health, next: p.next, steps: commands(p) })),
    files: r.files.map((f) => ({ target: f.target, path: f.path, kind: f.kind, state: f.state, health: f.health, detail: f.detail, next: f.next, steps: commands(f) })),
    boot_loader: site.boot.loader,
    architectures: r.architectures.map((a) => ({ arch: a.arch, name: a.name, state: a.state, health: a.health, loader: a.loader, missing: a.missing, next: a.next })),
    notes: r.notes,
    next: r.plan,
    problems: r.problems,
  };
}

type Style = 'red' | 'green' | 'yellow' | 'bold' | 'dim';
type Cell = string | { text: string; style?: Style };

const HEALTH_STYLE: Record<Health, Style> = { ok: 'green', problem: 'red', unknown: 'yellow' };

/**
 * Columns padded to the widest cell, then "-> next" and the detail in
 * parentheses: every row says what to do next.
 */
function table(out: Out, header: string[], rows: { cells: Cell[]; next: string; detail?: string }[]): void {
  const text = (c: Cell) => (typeof c === 'string' ? c : c.text);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => text(r.cells[i]).length)));
  const pad = (c: Cell, i: number) => {
    const t = text(c).padEnd(widths[i]);
    return typeof c === 'string' || !c.style ? t : out.paint(c.style, t);
  };
  out.line(out.paint('dim', `  ${header.map((h, i) => h.padEnd(widths[i])).join('  ')}  NEXT`));
  for (const r of rows) {
    const detail = r.detail ? `  ${out.paint('dim', `(${r.detail})`)}` : '';
    out.line(`  ${r.cells.map(pad).join('  ')}  -> ${r.next}${detail}`);
  }
}

const yesNo = (b: boolean): Cell => ({ text: b ? 'yes' : 'no', style: b ? 'green' : 'red' });

function printTable(ctx: Context, out: Out, site: Site, facts: SystemFacts, r: Report): void {
  const where = ctx.sys.root === '/' ? '' : ` under ${ctx.sys.root}`;
  out.line(out.paint('bold', `Status of the LTSP server${where}, for ${ctx.configPath} (dhcp.mode ${site.dhcp.mode}):`));
  if (!ctx.platform.gentoo) out.line(out.paint('yellow', '  not a Gentoo system (no /etc/gentoo-release): packages and runlevels are read the Gentoo way anyway; --gentoo says so'));
  if (facts.notLive) out.line(out.paint('dim', `  running: unknown, ${facts.notLive}`));

  out.line();
  out.line(out.paint('bold', 'Network interfaces (* = server.interface):'));
  table(
    out,
    ['INTERFACE', 'STATE', 'ADDRESSES'],
    r.interfaces.map((i) => ({
      cells: [`${i.site ? '*' : ' '} ${i.name}`, { text: i.state, style: HEALTH_STYLE[i.health] }, i.addresses.join(' ') || '-'],
      next: i.next,
      detail: i.detail,
    })),
  );

  out.line();
  out.line(out.paint('bold', 'Services the site needs:'));
  table(
    out,
    ['SERVICE', 'STATE', 'INSTALLED', 'RUNLEVEL', 'RUNNING'],
    r.services.map((s) => ({
      cells: [
        s.service,
        { text: s.state, style: HEALTH_STYLE[s.health] },
        s.packages.some((p) => p.installed === null) ? yesNo(false) : s.packages.some((p) => p.missingUse.length) ? { text: 'wrong USE', style: 'red' } : yesNo(true),
        yesNo(s.runlevel),
        { text: s.running === 'started' ? 'yes' : s.running, style: s.running === 'started' ? 'green' : s.running === 'unknown' ? 'dim' : 'red' },
      ],
      next: s.next,
      detail: s.detail,
    })),
  );

  out.line();
  out.line(out.paint('bold', 'Packages:'));
  table(
    out,
    ['PACKAGE', 'STATE'],
    r.packages.map((p) => ({ cells: [p.atom, { text: p.installed ?? p.state, style: HEALTH_STYLE[p.health] }], next: p.next, detail: p.role })),
  );

  out.line();
  out.line(out.paint('bold', 'Generated files:'));
  if (r.files.length === 0) out.line('  (none: no target plans a file for this site)  -> nothing to do');
  else {
    table(
      out,
      ['STATE', 'FILE'],
      r.files.map((f) => ({ cells: [{ text: f.state, style: HEALTH_STYLE[f.health] }, f.kind === 'tree' ? `${f.path}/*` : f.path], next: f.next, detail: `${f.target}: ${f.detail}` })),
    );
  }

  out.line();
  out.line(out.paint('bold', `Client architectures (boot.loader ${site.boot.loader}):`));
  table(
    out,
    ['ARCHITECTURE', 'STATE', 'LOADER'],
    r.architectures.map((a) => ({
      cells: [a.name, { text: a.state, style: HEALTH_STYLE[a.health] }, a.loader],
      next: a.next,
      detail: a.missing.length ? `missing: ${a.missing.map((m) => m.path).join(', ')}` : undefined,
    })),
  );

  if (r.notes.length) {
    out.line();
    out.line(out.paint('bold', 'To do by hand (notes of the targets):'));
    for (const n of r.notes) out.line(`  ${n.target}  -> ${n.text}`);
  }

  out.line();
  if (r.plan.length === 0) {
    out.line(out.paint('green', 'Nothing to do: everything the site needs is in place.'));
    return;
  }
  out.line(out.paint('bold', `Next steps, in order (${r.problems} problem(s)):`));
  if (ctx.sys.root !== '/') out.line(out.paint('dim', `  (emerge, rc-update and rc-service act on the system they run on: run them inside ${ctx.sys.root}, e.g. chroot, or on the server)`));
  r.plan.forEach((c, i) => out.line(`  ${String(i + 1).padStart(2)}. ${c}`));
}
