// apply: from an inspection to files on disk. Everything that can refuse
// (hand edits, checkers, unknown owners) is decided before the first write.
import type { Inspection, FileStatus } from './inspect';
import type { SystemRoot } from './fsroot';
import { runChecker, type CheckOutcome } from './checkers';
import { BACKUP_DIR, STATE_FILE, serializeState, type State } from './state';
import { ensureDirectory, writeAll, type Write } from './write';
import { fixTree } from './tree';

interface ApplyOptions {
  force: boolean;
  /** run the real checkers on what is about to be written (default true) */
  check: boolean;
}

export interface ApplyReport {
  /** files that will be (or were) written */
  changes: FileStatus[];
  /** hand-edited or unmanaged files left alone: apply refused */
  refused: FileStatus[];
  /** files whose source is missing on this system */
  unavailable: FileStatus[];
  checks: { file: FileStatus; outcome: CheckOutcome }[];
  /** problems that stop every write (checker refusals, unknown owners) */
  blockers: string[];
  warnings: string[];
  unchanged: number;
}

const WRITE_STATES = new Set(['missing', 'stale']);
const GUARDED_STATES = new Set(['drifted', 'unmanaged']);

/** Decides what apply would do; writes nothing. */
export function planApply(inspection: Inspection, sys: SystemRoot, opts: ApplyOptions): ApplyReport {
  const report: ApplyReport = { changes: [], refused: [], unavailable: [], checks: [], blockers: [], warnings: [], unchanged: 0 };
  for (const f of inspection.files) {
    if (f.state === 'unavailable') report.unavailable.push(f);
    else if (WRITE_STATES.has(f.state) || (opts.force && GUARDED_STATES.has(f.state))) report.changes.push(f);
    else if (GUARDED_STATES.has(f.state)) report.refused.push(f);
    else report.unchanged++;
  }
  if (opts.check) {
    for (const f of report.changes) {
      if (!f.checker || !f.desired) continue;
      const outcome = runChecker(f.checker, f.path, f.desired);
      report.checks.push({ file: f, outcome });
      if (outcome.result === 'refused') report.blockers.push(`${f.path}: ${outcome.label} refused the generated file:\n${outcome.output}`);
    }
  }
  // one line per unknown user or group, however many files ask for it
  const unknown = new Map<string, string[]>();
  for (const f of report.changes) {
    for (const [kind, name] of [['user', f.owner], ['group', f.group]] as const) {
      if (!name || sys.lookupId(kind, name) !== null) continue;
      const key = `${kind} "${name}"`;
      unknown.set(key, [...(unknown.get(key) ?? []), f.path]);
    }
  }
  for (const [what, paths] of unknown) {
    const msg = `${what} does not exist on this system (wanted by ${paths[0]}${paths.length > 1 ? ` and ${paths.length - 1} more` : ''})`;
    if (sys.root === '/') report.blockers.push(`${msg}; create it or change site.toml`);
    else report.warnings.push(`${msg}; staged files keep root's ownership`);
  }
  return report;
}

function ids(sys: SystemRoot, f: FileStatus): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const uid = sys.lookupId('user', f.owner ?? 'root');
  const gid = sys.lookupId('group', f.group ?? 'root');
  return uid === null || gid === null ? {} : { uid, gid };
}

/** Carries out a plan with no blockers and no refusals. Returns how many tree entries changed owner or mode. */
export async function executeApply(report: ApplyReport, inspection: Inspection, sys: SystemRoot, siteSha: string): Promise<number> {
  let treeChanges = 0;
  const state: State = { version: 1, files: { ...inspection.state.files } };
  const writes: Write[] = [];
  for (const f of report.changes) {
    if (f.kind === 'dir' || f.kind === 'tree') continue;
    if (!f.desired) continue;
    if (f.current) writes.push({ path: sys.path(BACKUP_DIR + f.path), data: f.current, mode: 0o600, uid: 0, gid: 0 });
    writes.push({ path: sys.path(f.path), data: f.desired, mode: f.mode ?? 0o644, ...ids(sys, f) });
    state.files[f.path] = { target: f.target, sha256: f.recordSha!, site: siteSha };
  }
  // the state file is written with everything else, so it never disagrees with the disk
  const stateWrite = (s: State): Write => ({ path: sys.path(STATE_FILE), data: Buffer.from(serializeState(s)), mode: 0o644 });
  for (const f of inspection.files) {
    if (f.state === 'current' && f.recordSha && !state.files[f.path]) state.files[f.path] = { target: f.target, sha256: f.recordSha, site: siteSha };
  }
  if (writes.length || JSON.stringify(state) !== JSON.stringify(inspection.state)) {
    if (process.getuid?.() !== 0) for (const w of writes) delete w.uid;
    await writeAll([...writes, stateWrite(state)]);
  }
  for (const f of report.changes) {
    if (f.kind === 'dir') {
      const { uid, gid } = ids(sys, f);
      ensureDirectory(sys.path(f.path), f.mode ?? 0o755, uid, gid);
    }
  }
  for (const f of inspection.files) {
    if (f.kind !== 'tree') continue;
    const uid = sys.lookupId('user', f.owner!);
    const gid = sys.lookupId('group', f.group!);
    if (uid === null || gid === null || process.getuid?.() !== 0) continue;
    ensureDirectory(sys.path(f.path), 0o755, uid, gid);
    treeChanges += fixTree(sys.path(f.path), uid, gid).changed;
  }
  return treeChanges;
}
