// apply (and the second half of the default action): show the plan, then write it.
import { targets as allTargets, findTarget } from '../targets';
import { UsageError } from '../errors';
import type { Target } from '../targets/types';
import { inspect, type FileStatus, type Inspection } from '../system/inspect';
import type { Site } from '../site/types';
import { planApply, executeApply, fixTrees, type ApplyReport } from '../system/apply';
import { recordStamp, stampedNothingToDo } from '../system/stamp';
import { readSiteFile } from '../system/sitefile';
import { dirname } from 'node:path';
import { BACKUP_DIR, STATE_FILE } from '../system/state';
import { acquireLock, LockBusyError, lockPath, type Lock } from '../system/lock';
import { removeStaleTemps } from '../system/write';
import { unifiedDiff } from '../system/diff';
import { makeContext, siteOf, type Context } from './context';
import { makeOut, type Out } from './output';
import type { PlainCommand } from '../plain-command';

export interface ApplyFlags {
  diff?: boolean;
  only?: string;
  force?: boolean;
  check?: boolean;
}

function selectTargets(only: string | undefined): Target[] {
  if (!only) return allTargets;
  return only.split(',').map((name) => findTarget(name.trim(), '--only'));
}

const VERB: Record<string, string> = { missing: 'create', stale: 'update', drifted: 'replace', unmanaged: 'replace' };

function describeChange(f: FileStatus): string {
  if (f.kind === 'edit') return f.state === 'missing' ? 'add the ltsp-ts block' : 'update the ltsp-ts block';
  if (f.kind === 'dir') return 'create directory';
  if (f.kind === 'tree') return `create, then hand the tree to ${f.owner}:${f.group}`;
  if (f.kind === 'copy') return `copy from ${f.source}`;
  if (f.state === 'drifted' || f.state === 'unmanaged') return 'replacing a hand edit, --force';
  return f.state === 'missing' ? 'new file' : 'site.toml changed';
}

function printPlan(out: Out, report: ApplyReport, flags: ApplyFlags): void {
  for (const f of report.changes) {
    out.line(`  ${out.paint('green', (VERB[f.state] ?? 'write').padEnd(8))}${f.path}  ${out.paint('dim', `(${f.target}: ${describeChange(f)})`)}`);
    if (flags.diff && f.desired && f.kind !== 'copy') out.line(indent(unifiedDiff(f.path, f.current, f.desired)));
  }
  for (const f of report.refused) {
    const why = f.state === 'drifted' ? 'edited by hand since ltspcfg-ts wrote it' : 'exists and was not written by ltspcfg-ts';
    out.line(`  ${out.paint('red', 'refuse'.padEnd(8))}${f.path}  (${f.target}: ${why}; left alone, --force replaces it and keeps the old one in ${BACKUP_DIR})`);
    if (f.desired && f.kind !== 'copy') out.line(indent(unifiedDiff(f.path, f.current, f.desired)));
  }
  for (const o of report.removals) {
    out.line(`  ${out.paint('green', 'remove'.padEnd(8))}${o.path}  ${out.paint('dim', `(${o.target}: no longer planned; the old one is kept in ${BACKUP_DIR})`)}`);
  }
  for (const o of report.leftovers) {
    const why = o.state === 'keep' ? 'its ltsp-ts part stays in a file of another package' : 'edited by hand since ltspcfg-ts wrote it; --force removes it, keeping a copy';
    out.line(`  ${out.paint('yellow', 'leave'.padEnd(8))}${o.path}  (${o.target}: no longer planned, ${why})`);
  }
  for (const f of report.unavailable) {
    out.line(`  ${out.paint('yellow', 'missing'.padEnd(8))}${f.path}  (${f.target}: no source on this system; ${f.hint})`);
  }
  if (report.unchanged) out.line(`  ${'keep'.padEnd(8)}${report.unchanged} item(s) already up to date`);
  for (const c of report.checks) {
    if (c.outcome.result === 'skipped') out.line(`  ${out.paint('yellow', 'note'.padEnd(8))}${c.file.path}: not checked, ${c.outcome.why}`);
  }
  for (const w of report.warnings) out.line(`  ${out.paint('yellow', 'note'.padEnd(8))}${w}`);
}

function indent(text: string): string {
  return text.replace(/\n$/, '').split('\n').map((l) => `      ${l}`).join('\n');
}

async function confirm(question: string): Promise<boolean> {
  // loaded only to ask: readline brings node's streams, which a run with --yes never needs
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createInterface } = require('node:readline/promises') as typeof import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(question);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/**
 * A plain `apply` command line (src/commands/apply-line.ts: the global options and apply's own, in
 * their usual spellings) run as src/cli.ts would run it, without commander; returns the exit code.
 */
export function runPlainApply(line: PlainCommand): Promise<number> {
  const own = line.own;
  const flags: ApplyFlags = {
    only: typeof own.only === 'string' ? own.only : undefined,
    diff: own.diff === true,
    force: own.force === true,
    check: own.check !== false,
  };
  return runApply(makeContext(line.opts), makeOut(line.opts.color), flags);
}

/**
 * Returns the exit code. One lock for the whole run, the stamp's answer or the
 * plan and its writes, when it is free; when another apply holds it, the plan
 * is made first (a bad site.toml is refused at once) and the lock waited for.
 */
export async function runApply(ctx: Context, out: Out, flags: ApplyFlags): Promise<number> {
  // `--only "$TARGETS"` with the variable unset must not mean every target
  if (flags.only !== undefined && flags.only.trim() === '') throw new UsageError('--only "": no target named; expected targets, comma-separated (see ltspcfg-ts targets)');
  if (ctx.opts.dryRun) return (await nothingToDo(ctx, out, flags)) ?? (await applyPlan(ctx, out, flags)).code;
  let lock: Lock;
  try {
    lock = acquireLock(lockPath(ctx.sys.root), 0);
  } catch (e) {
    if (!(e instanceof LockBusyError)) throw e;
    return (await applyPlan(ctx, out, flags)).code;
  }
  try {
    return (await nothingToDo(ctx, out, flags, lock)) ?? (await applyPlan(ctx, out, flags, undefined, lock)).code;
  } finally {
    lock.release();
  }
}

/** The apply lock of the configured system, or undefined when another apply keeps it (said on stderr). */
function takeLock(ctx: Context, out: Out): Lock | undefined {
  try {
    return acquireLock(lockPath(ctx.sys.root));
  } catch (e) {
    if (!(e instanceof LockBusyError)) throw e;
    out.error(`ltspcfg-ts: ${e.message}; waited 5 s, nothing was written`);
    return undefined;
  }
}

/**
 * The exit code of an apply that the stamp of the last writing run proves has
 * nothing to do (src/system/stamp.ts), with the output the full plan would
 * print; undefined when it cannot tell: then apply plans in full. `lock` is
 * the run's apply lock (none for a dry run).
 */
async function nothingToDo(ctx: Context, out: Out, flags: ApplyFlags, lock?: Lock): Promise<number | undefined> {
  const names = flags.only ? flags.only.split(',').map((n) => n.trim()) : allTargets.map((t) => t.name);
  if (!names.every((n) => allTargets.some((t) => t.name === n))) return undefined;
  if (lock?.waited) return undefined;
  let site: Buffer;
  try {
    site = readSiteFile(ctx.configPath);
  } catch {
    return undefined;
  }
  const done = stampedNothingToDo({ sys: ctx.sys, site, platform: () => ctx.platform, targets: names });
  if (!done) return undefined;
  if (lock) for (const t of removeStaleTemps(done.writeDirs, lock.since)) out.line(`  ${'clean'.padEnd(8)}${t}  (a temporary file left by an interrupted apply)`);
  const report: ApplyReport = { changes: [], refused: [], unavailable: [], removals: [], leftovers: [], checks: [], blockers: [], warnings: [], unchanged: done.items, checked: Promise.resolve() };
  showPlan(ctx, out, report, flags, done.notes);
  return await conclude(ctx, out, 0, done.trees.length > 0, 0, async () => fixTrees(done.trees, ctx.sys));
}

/**
 * Plans (or takes the inspection of every target that status made: one plan a
 * run), shows and writes under the apply lock (`held`: taken by the caller,
 * who releases it); returns the exit code and the items written.
 */
export async function applyPlan(ctx: Context, out: Out, flags: ApplyFlags, planned?: Inspection, held?: Lock): Promise<{ code: number; written: FileStatus[] }> {
  const site = siteOf(ctx);
  const chosen = selectTargets(flags.only);
  const written: FileStatus[] = [];
  if (ctx.opts.dryRun) {
    const inspection = planned ?? inspect(site, ctx.platform, chosen, ctx.sys);
    return { code: await carryOut(ctx, out, flags, site, inspection, chosen, written), written };
  }
  // one apply at a time: the plan is carried out under the lock
  const lock = held ?? takeLock(ctx, out);
  if (!lock) return { code: 1, written };
  try {
    // a plan made before another apply finished is made again
    const inspection = planned && !lock.waited ? planned : inspect(site, ctx.platform, chosen, ctx.sys);
    for (const t of removeStaleTemps(plannedDirs(ctx, inspection), lock.since)) out.line(`  ${'clean'.padEnd(8)}${t}  (a temporary file left by an interrupted apply)`);
    return { code: await carryOut(ctx, out, flags, site, inspection, chosen, written), written };
  } finally {
    if (!held) lock.release();
  }
}

/** Every directory apply writes in (on this machine): where a stale temporary file may lie. */
function plannedDirs(ctx: Context, inspection: Inspection): string[] {
  const dirs = new Set<string>([dirname(ctx.sys.path(STATE_FILE))]);
  for (const f of inspection.files) {
    if (f.kind === 'dir' || f.kind === 'tree') continue;
    dirs.add(dirname(ctx.sys.path(f.path)));
    dirs.add(dirname(ctx.sys.path(BACKUP_DIR + f.path)));
  }
  return [...dirs];
}

function showPlan(ctx: Context, out: Out, report: ApplyReport, flags: ApplyFlags, notes: Inspection['notes']): void {
  const where = ctx.sys.root === '/' ? '' : ` under ${ctx.sys.root}`;
  out.line(out.paint('bold', `Plan for ${ctx.configPath}${where}:`));
  printPlan(out, report, flags);
  for (const n of notes) out.line(`  ${out.paint('yellow', 'todo'.padEnd(8))}${n.target}: ${n.text}`);
}

async function carryOut(ctx: Context, out: Out, flags: ApplyFlags, site: Site, inspection: Inspection, chosen: Target[], written: FileStatus[]): Promise<number> {
  const report = planApply(inspection, ctx.sys, { force: !!flags.force, check: flags.check !== false });
  showPlan(ctx, out, report, flags, inspection.notes);
  // the plan is shown while the checkers run (and the site hashed for the state); nothing is written before their verdicts
  if (report.changes.length && !ctx.opts.dryRun) void site.source.sha256;
  await report.checked;

  if (report.blockers.length) {
    for (const b of report.blockers) out.error(`ltspcfg-ts: ${b}`);
    out.error('ltspcfg-ts: nothing was written');
    return 1;
  }
  if (report.refused.length) {
    out.error(`ltspcfg-ts: ${report.refused.length} file(s) changed by hand; nothing was written (review the diff, then run again with --force to replace them)`);
    return 1;
  }
  const problems = report.unavailable.length ? 1 : 0;
  const hasTree = inspection.files.some((f) => f.kind === 'tree');
  const pending = report.changes.length + report.removals.length;
  return conclude(ctx, out, pending, hasTree, problems, async () => {
    const done = await executeApply(report, inspection, ctx.sys, site.source.sha256);
    for (const f of report.changes) written.push(f);
    if (done.state && !report.leftovers.length && !report.unavailable.length) {
      recordStamp({
        sys: ctx.sys, siteSha: site.source.sha256, platform: ctx.platform, tftpRoot: site.tftp.root,
        targets: chosen.map((t) => t.name), inspection, written: new Set(report.changes), state: done.state,
      });
    }
    return done.treeChanges;
  });
}

/** From the counts of a plan shown: asks, writes (execute returns the tree entries fixed) and says what was done. */
async function conclude(ctx: Context, out: Out, pending: number, hasTree: boolean, problems: number, execute: () => Promise<number>): Promise<number> {
  if (pending === 0 && !hasTree) {
    out.line('Nothing to do: every file is up to date.');
    return problems;
  }
  if (pending === 0 && hasTree && ctx.opts.dryRun) {
    out.line('Nothing to write.');
    return problems;
  }
  if (ctx.opts.dryRun) {
    out.line(`Dry run: ${pending} change(s) not written.`);
    return problems;
  }
  if (!ctx.opts.yes && !(out.tty && process.stdin.isTTY)) {
    // as emerge --ask refuses to run without a terminal: a script or cron job that forgot --yes
    // is told on stderr and by the exit code, not by a plan printed to no one
    if (pending) {
      out.error(`ltspcfg-ts: ${pending} change(s) planned, none written: no terminal to confirm them; pass --yes to write them, or --dry-run to only show the plan`);
      return 1;
    }
    // nor is the TFTP tree handed over: without --yes and without a terminal nothing changes
    out.line('Nothing to do: every file is up to date; the owner and mode of the TFTP tree are fixed with --yes.');
    return problems;
  }
  if (pending && !ctx.opts.yes && !(await confirm(`Write ${pending} change(s)? [y/N] `))) {
    out.line('Nothing written.');
    return problems;
  }
  const treeChanges = await execute();
  if (pending) out.line(out.paint('green', `Wrote ${pending} change(s).`));
  else out.line('Nothing to do: every file is up to date.');
  if (treeChanges) out.line(`Fixed the owner or mode of ${treeChanges} item(s) in the TFTP tree.`);
  return problems;
}
