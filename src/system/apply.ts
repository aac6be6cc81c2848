// apply: from an inspection to files on disk. Everything that can refuse
// (hand edits, checkers, unknown owners) is decided before the first write.
// The real checkers run beside the rest of the plan: their verdicts are
// awaited (ApplyReport.checked) before anything is written.
import { unlinkSync } from 'node:fs';
import type { Inspection, FileStatus, Orphan } from './inspect';
import type { SystemRoot } from './fsroot';
import { startChecker, type CheckOutcome } from './checkers';
import { BACKUP_DIR, STATE_FILE, serializeState, type State } from './state';
import { ensureDirectory, stageWrites, type Write } from './write';
import { fixTree, isSymlink, symlinkRootProblem } from './tree';
import { dropStamp } from './stamp';
import { Destinations } from './destination';

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
  /** files ltspcfg-ts wrote that the site no longer plans: removed (with a backup) */
  removals: Orphan[];
  /** the same, but changed since (without --force) or a block in another package's file: left in place */
  leftovers: Orphan[];
  /** the checkers' outcomes: those skipped at once, the others once `checked` has settled */
  checks: { file: FileStatus; outcome: CheckOutcome }[];
  /** problems that stop every write (checker refusals, first, once `checked` has settled; unknown owners...) */
  blockers: string[];
  /** settles (never rejects) when every checker started has given its verdict, in checks and blockers */
  checked: Promise<void>;
  warnings: string[];
  unchanged: number;
}

const WRITE_STATES = new Set(['missing', 'stale']);
const GUARDED_STATES = new Set(['drifted', 'unmanaged']);

/** Decides what apply would do and starts the real checkers (await `checked` for their verdicts); writes nothing. */
export function planApply(inspection: Inspection, sys: SystemRoot, opts: ApplyOptions): ApplyReport {
  const report: ApplyReport = { changes: [], refused: [], unavailable: [], removals: [], leftovers: [], checks: [], blockers: [], warnings: [], unchanged: 0, checked: Promise.resolve() };
  for (const o of inspection.orphans) {
    if (o.state === 'remove' || (o.state === 'drifted' && opts.force)) report.removals.push(o);
    else if (o.state !== 'gone') report.leftovers.push(o);
  }
  for (const f of inspection.files) {
    if (f.state === 'unavailable') report.unavailable.push(f);
    else if (WRITE_STATES.has(f.state) || (opts.force && GUARDED_STATES.has(f.state))) report.changes.push(f);
    else if (GUARDED_STATES.has(f.state)) report.refused.push(f);
    else report.unchanged++;
  }
  // the checkers run while the rest is planned and shown; a refusal is a blocker, listed first, in the plan's order
  const verdicts: Promise<void>[] = [];
  const refusals: string[] = [];
  if (opts.check) {
    for (const f of report.changes) {
      if (!f.checker || !f.desired) continue;
      const started = startChecker(f.checker, f.path, f.desired);
      if (!(started instanceof Promise)) {
        report.checks.push({ file: f, outcome: started });
        continue;
      }
      const slot = refusals.push('') - 1;
      verdicts.push(started.then((outcome) => {
        report.checks.push({ file: f, outcome });
        if (outcome.result === 'refused') refusals[slot] = `${f.path}: ${outcome.label} refused the generated file:\n${outcome.output}`;
      }));
    }
  }
  if (verdicts.length) report.checked = Promise.all(verdicts).then(() => void report.blockers.unshift(...refusals.filter((r) => r !== '')));
  // every place about to be written, before the first write: a directory that is a file or a
  // dangling link, or that leads out of --root, stops the run (one line each)
  const destinations = new Destinations(sys);
  const places = new Set<string | null>();
  const changing = report.changes.length + report.removals.length > 0;
  if (changing) places.add(destinations.fileProblem(STATE_FILE));
  for (const f of report.changes) {
    if (f.kind === 'dir' || f.kind === 'tree') places.add(destinations.directoryAtProblem(f.path));
    else places.add(destinations.fileProblem(f.path));
    if (f.current) places.add(destinations.fileProblem(BACKUP_DIR + f.path));
  }
  for (const o of report.removals) places.add(destinations.fileProblem(BACKUP_DIR + o.path));
  for (const why of places) if (why) report.blockers.push(why);
  // one line per unknown user or group, however many files ask for it. A tree is handed over on
  // every apply, up to date or not: on this system its owner must exist even when nothing else changes
  const unknown = new Map<string, string[]>();
  const trees = inspection.files.filter((f) => f.kind === 'tree');
  const owned = sys.root === '/' ? [...report.changes, ...trees.filter((f) => !report.changes.includes(f))] : report.changes;
  for (const f of owned) {
    for (const [kind, name] of [['user', f.owner], ['group', f.group]] as const) {
      if (!name || sys.lookupId(kind, name) !== null) continue;
      const key = `${kind} "${name}"`;
      const paths = unknown.get(key);
      if (paths) paths.push(f.path);
      else unknown.set(key, [f.path]);
    }
  }
  // the fix refuses a tree root that is a symbolic link: the plan (and a dry run) says so first
  for (const f of trees) if (isSymlink(sys.path(f.path))) report.blockers.push(symlinkRootProblem(f.path));
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

export interface Executed {
  /** tree entries whose owner or mode changed */
  treeChanges: number;
  /** the bytes of state.json written, null when nothing was written */
  state: Buffer | null;
}

/** Carries out a plan with no blockers and no refusals. */
export async function executeApply(report: ApplyReport, inspection: Inspection, sys: SystemRoot, siteSha: string): Promise<Executed> {
  let written: Buffer | null = null;
  const state: State = { version: 1, files: { ...inspection.state.files } };
  const writes: Write[] = [];
  for (const f of report.changes) {
    if (f.kind === 'dir' || f.kind === 'tree') continue;
    if (!f.desired) continue;
    if (f.current) writes.push({ path: sys.path(BACKUP_DIR + f.path), data: f.current, mode: 0o600, uid: 0, gid: 0 });
    writes.push({ path: sys.path(f.path), data: f.desired, mode: f.mode ?? 0o644, ...ids(sys, f) });
    state.files[f.path] = { target: f.target, sha256: f.recordSha!, site: siteSha, kind: f.kind as 'file' | 'edit' | 'copy' };
  }
  // files no longer planned: backed up with the other writes, removed after them
  for (const o of report.removals) {
    writes.push({ path: sys.path(BACKUP_DIR + o.path), data: o.current!, mode: 0o600, uid: 0, gid: 0 });
    delete state.files[o.path];
  }
  for (const o of inspection.orphans) if (o.state === 'gone') delete state.files[o.path];
  // the state file is written with everything else, so it never disagrees with the disk
  const stateWrite = (s: State): Write => ({ path: sys.path(STATE_FILE), data: Buffer.from(serializeState(s)), mode: 0o644 });
  for (const f of inspection.files) {
    if (f.state === 'current' && f.recordSha && !state.files[f.path] && f.kind !== 'dir' && f.kind !== 'tree')
      state.files[f.path] = { target: f.target, sha256: f.recordSha, site: siteSha, kind: f.kind };
  }
  if (writes.length || JSON.stringify(state) !== JSON.stringify(inspection.state)) {
    if (process.getuid?.() !== 0) for (const w of writes) delete w.uid;
    const last = stateWrite(state);
    // every file written and fsync'd beside its place first: a write that fails (a read-only mount,
    // a full disk) leaves the system as it was, stamp included
    const staged = await stageWrites([...writes, last]);
    // a run stopped between the renames leaves no stamp: the next one plans in full (and removes the temporary files)
    dropStamp(sys);
    staged.commit();
    written = last.data;
  }
  for (const o of report.removals) {
    try {
      unlinkSync(sys.path(o.path));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  for (const f of report.changes) {
    if (f.kind === 'dir') {
      const { uid, gid } = ids(sys, f);
      ensureDirectory(sys.path(f.path), f.mode ?? 0o755, uid, gid);
    }
  }
  const trees = inspection.files.filter((f) => f.kind === 'tree').map((f) => ({ path: f.path, owner: f.owner!, group: f.group! }));
  return { treeChanges: fixTrees(trees, sys), state: written };
}

/** Hands each tree to its owner and group (as root only); returns how many entries changed. */
export function fixTrees(trees: { path: string; owner: string; group: string }[], sys: SystemRoot): number {
  let changed = 0;
  for (const t of trees) {
    const uid = sys.lookupId('user', t.owner);
    const gid = sys.lookupId('group', t.group);
    if (uid === null || gid === null || process.getuid?.() !== 0) continue;
    ensureDirectory(sys.path(t.path), 0o755, uid, gid);
    changed += fixTree(sys.path(t.path), uid, gid).changed;
  }
  return changed;
}
