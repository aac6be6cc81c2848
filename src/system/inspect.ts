// Compares what the targets plan with what is on disk and in the state file.
// Pure reading: nothing here writes.
import type { Stats } from 'node:fs';
import type { Site } from '../site/types';
import type { Checker, Platform, PlannedItem, Target } from '../targets/types';
import { SystemRoot } from './fsroot';
import { readState, type State } from './state';
import { sha256 } from './sha256';
import { collectStageGarbage } from './heap';

/**
 * missing: not on disk yet; current: as planned; stale: written by ltspcfg-ts
 * from an older site.toml; drifted: changed by hand since ltspcfg-ts wrote it;
 * unmanaged: exists, differs, and was never written by ltspcfg-ts;
 * unavailable: a file to copy that the system lacks.
 */
export type FileState = 'missing' | 'current' | 'stale' | 'drifted' | 'unmanaged' | 'unavailable';

export interface FileStatus {
  target: string;
  path: string;
  kind: PlannedItem['kind'];
  state: FileState;
  /** bytes now on disk (null: none) and bytes planned; for dirs and trees both null */
  current: Buffer | null;
  desired: Buffer | null;
  /** sha256 to record after writing: the file, or the block an edit owns */
  recordSha?: string;
  mode?: number;
  owner?: string;
  group?: string;
  checker?: Checker;
  /** copy: the source chosen; unavailable: what to install */
  source?: string;
  hint?: string;
  /** stat of the file as read (with `current`), of the copy's source, and the candidates tried before it: what src/system/stamp.ts records */
  seen?: Stats;
  sourceSeen?: Stats;
  sourceMisses?: string[];
}

/**
 * A file ltspcfg-ts wrote (it is in the state) for one of the inspected targets
 * that the site no longer plans: a host removed from site.toml, say.
 * remove: as written, removed with a backup; drifted: changed since, removed
 * only with --force; gone: already absent; keep: a block in another package's
 * file, or a file of unknown kind changed since, left in place.
 */
export interface Orphan {
  target: string;
  path: string;
  state: 'remove' | 'drifted' | 'gone' | 'keep';
  current: Buffer | null;
}

export interface Inspection {
  /** files the targets no longer plan; see Orphan */
  orphans: Orphan[];
  files: FileStatus[];
  notes: { target: string; text: string }[];
  state: State;
  /** Date.now() before the first file was read */
  readSince: number;
}

/** the machine running ltspcfg-ts, where a copy's sources may also be found */
const HOST = new SystemRoot('/');

function firstExisting(sys: SystemRoot, candidates: string[]): { path: string; bytes: Buffer; stat: Stats; misses: string[] } | null {
  const misses: string[] = [];
  for (const c of candidates) {
    // the configured system first, then the host running ltspcfg-ts (for staged roots)
    for (const p of sys.root === '/' ? [c] : [sys.path(c), c]) {
      try {
        const found = HOST.readWithStat(p);
        if (found) return { path: p, bytes: found.bytes, stat: found.stat, misses };
      } catch {
        // try the next one
      }
      misses.push(p);
    }
  }
  return null;
}

/**
 * currentOwnedSha: the hash of the part of the file that is ours (the whole file,
 * or an edit's block); null when that part is absent, which is no hand edit:
 * another package's file may change outside our part, or lose it.
 */
function classify(current: Buffer | null, desired: Buffer, currentOwnedSha: string | null, recorded: string | undefined): FileState {
  if (current === null) return 'missing';
  if (current.equals(desired)) return 'current';
  if (currentOwnedSha === null) return 'missing';
  if (recorded === undefined) return 'unmanaged';
  return currentOwnedSha === recorded ? 'stale' : 'drifted';
}

export function inspect(site: Site, platform: Platform, targets: Target[], sys: SystemRoot): Inspection {
  const readSince = Date.now();
  const state = readState(sys);
  const files: FileStatus[] = [];
  const notes: Inspection['notes'] = [];
  for (const target of targets) {
    for (const text of target.notes?.(site, platform) ?? []) notes.push({ target: target.name, text });
    // Each status is one object literal, not `{ ...base, state, ... }`: V8 gives every object made by a
    // spread followed by more keys a hidden class of its own (thousands of files: megabytes). A file
    // found as planned keeps one copy of its bytes (current is desired), and the planned item, whose
    // text desired holds, is not kept.
    const name = target.name;
    for (const item of target.plan(site, platform)) {
      const recorded = state.files[item.path]?.sha256;
      const { path, kind } = item;
      switch (item.kind) {
        case 'file': {
          const read = sys.readWithStat(path);
          const desired = Buffer.from(item.content);
          const state = classify(read?.bytes ?? null, desired, read && sha256(read.bytes), recorded);
          const current = state === 'current' ? desired : read?.bytes ?? null;
          files.push({ target: name, path, kind, state, current, desired, recordSha: sha256(desired), mode: item.mode, owner: item.owner, group: item.group, checker: item.checker, seen: read?.stat });
          break;
        }
        case 'edit': {
          const read = sys.readWithStat(path);
          const current = read?.bytes ?? null;
          const text = current?.toString('utf8') ?? null;
          const desired = Buffer.from(item.edit(text));
          const ownedNow = item.owned(text);
          const ownedAfter = item.owned(desired.toString('utf8')) ?? '';
          const fileState = classify(current, desired, ownedNow === null ? null : sha256(ownedNow), recorded);
          files.push({ target: name, path, kind, state: fileState, current: fileState === 'current' ? desired : current, desired, recordSha: sha256(ownedAfter), mode: item.mode, checker: item.checker, seen: read?.stat });
          break;
        }
        case 'copy': {
          const source = firstExisting(sys, item.from);
          if (!source) {
            files.push({ target: name, path, kind, state: 'unavailable', current: sys.read(path), desired: null, hint: item.missingHint, mode: item.mode });
            break;
          }
          const read = sys.readWithStat(path);
          const state = classify(read?.bytes ?? null, source.bytes, read && sha256(read.bytes), recorded);
          const current = state === 'current' ? source.bytes : read?.bytes ?? null;
          files.push({ target: name, path, kind, state, current, desired: source.bytes, recordSha: sha256(source.bytes), source: source.path, mode: item.mode, owner: item.owner, group: item.group, seen: read?.stat, sourceSeen: source.stat, sourceMisses: source.misses });
          break;
        }
        case 'dir':
          files.push({ target: name, path, kind, state: sys.isDirectory(path) ? 'current' : 'missing', current: null, desired: null, mode: item.mode, owner: item.owner, group: item.group });
          break;
        case 'tree':
          files.push({ target: name, path, kind, state: sys.isDirectory(path) ? 'current' : 'missing', current: null, desired: null, owner: item.owner, group: item.group });
          break;
      }
    }
  }
  // the templates' intermediate strings are garbage now: returned before the writes allocate
  collectStageGarbage(site);
  return { files, orphans: findOrphans(state, files, targets, sys), notes, state, readSince };
}

function findOrphans(state: State, files: FileStatus[], targets: Target[], sys: SystemRoot): Orphan[] {
  const planned = new Set(files.map((f) => f.path));
  const names = new Set(targets.map((t) => t.name));
  const orphans: Orphan[] = [];
  for (const [path, record] of Object.entries(state.files)) {
    if (planned.has(path) || !names.has(record.target)) continue;
    const current = sys.read(path);
    const intact = current !== null && sha256(current) === record.sha256;
    const whole = record.kind === 'file' || record.kind === 'copy';
    const fileState: Orphan['state'] = current === null ? 'gone' : record.kind === 'edit' ? 'keep' : intact ? 'remove' : whole ? 'drifted' : 'keep';
    orphans.push({ target: record.target, path, state: fileState, current });
  }
  return orphans.sort((a, b) => a.path.localeCompare(b.path));
}
