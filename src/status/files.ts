// Generated files: missing, current, stale (site.toml changed since the last
// apply), drifted (edited by hand), unmanaged or unavailable, and what to run.
import type { FileState, FileStatus } from '../system/inspect';
import type { TreeCheck } from '../system/treecheck';
import { posix } from 'node:path';
import type { Health, Step } from './types';

export interface FileRow {
  target: string;
  path: string;
  kind: FileStatus['kind'];
  /** unreadable: a tree (the TFTP root) holds files tftpd would refuse */
  state: FileState | 'unreadable';
  health: Health;
  detail: string;
  next: string;
  steps: Step[];
}

const DETAIL: Record<FileState, string> = {
  missing: 'not written yet',
  current: 'up to date',
  stale: 'site.toml changed since the last apply',
  drifted: 'edited by hand since ltspcfg-ts wrote it',
  unmanaged: 'exists, was not written by ltspcfg-ts',
  unavailable: 'no source on this system',
};

function detail(f: FileStatus): string {
  if (f.state === 'missing' && f.kind === 'edit') return f.current === null ? 'not written yet' : "ltspcfg-ts's part of it is not there yet";
  if (f.state === 'missing' && f.kind === 'dir') return 'the directory does not exist yet';
  return DETAIL[f.state];
}

function treeRow(f: FileStatus, check: TreeCheck, cli: string): FileRow {
  const base = { target: f.target, path: f.path, kind: f.kind };
  const counted = `${check.seen}${check.truncated ? '+' : ''} entries`;
  if (check.unreadable === 0 && check.stuck === 0) return { ...base, state: 'current', health: 'ok', detail: `the tree: ${counted}, all readable by the TFTP server`, next: 'nothing to do', steps: [] };
  const details: string[] = [];
  const next: string[] = [];
  const steps: Step[] = [];
  if (check.unreadable) {
    const step: Step = { phase: 'configure', command: `${cli} apply --only ${f.target}` };
    details.push(`${check.unreadable} of ${counted} not world-readable (${check.example}${check.unreadable > 1 ? ', ...' : ''}); tftpd refuses them`);
    next.push(step.command);
    steps.push(step);
  }
  if (check.stuck) {
    // the fix leaves hard-linked files alone (tree.ts treeRule): advising it would repeat forever
    const file = posix.join(f.path, check.stuckExample!);
    const step: Step = { phase: 'configure', command: `cp -p ${file} ${file}.copy && mv ${file}.copy ${file} && ${cli} apply --only ${f.target}` };
    details.push(`${check.stuck} hard-linked file(s) not world-readable (${check.stuckExample}${check.stuck > 1 ? ', ...' : ''}), which the fix leaves alone since their other names may lie outside the tree`);
    next.push(`if ${file} belongs in the tree, give it a name of its own: ${step.command}; otherwise remove it`);
    steps.push(step);
  }
  return { ...base, state: 'unreadable', health: 'problem', detail: `the tree: ${details.join('; ')}`, next: next.join('; '), steps };
}

/**
 * @param cli how to call ltspcfg-ts for this system ("ltspcfg-ts", or with --root/--config)
 * @param trees what src/system read of each tree item's directory (absent or null: not there)
 */
export function checkFiles(files: FileStatus[], cli: string, trees: Record<string, TreeCheck | null> = {}): FileRow[] {
  return files
    .filter((f) => f.kind !== 'tree' || trees[f.path])
    .map((f): FileRow => {
      if (f.kind === 'tree') return treeRow(f, trees[f.path]!, cli);
      // one literal, not `{ ...base, health, ... }`: V8 gives every object made by a spread followed by
      // more keys a hidden class of its own (a row a file: megabytes on a large site)
      const row = (health: FileRow['health'], next: string, steps: Step[]): FileRow => ({ target: f.target, path: f.path, kind: f.kind, state: f.state, detail: detail(f), health, next, steps });
      switch (f.state) {
        case 'current':
          return row('ok', 'nothing to do', []);
        case 'missing':
        case 'stale': {
          const step: Step = { phase: 'configure', command: `${cli} apply` };
          return row('problem', step.command, [step]);
        }
        case 'drifted':
        case 'unmanaged': {
          // the admin must look before replacing: the diff first, then --force (the old file is kept)
          const step: Step = { phase: 'configure', command: `${cli} apply --diff` };
          return row('problem', `${step.command} (then ${cli} apply --force to replace it; the old one is kept)`, [step, { phase: 'configure', command: `${cli} apply --force` }]);
        }
        case 'unavailable': {
          const atom = /emerge (?:--ask )?(\S+\/\S+)/.exec(f.hint ?? '')?.[1];
          const step: Step = atom ? { phase: 'install', command: `emerge --ask ${atom}`, atoms: [atom] } : { phase: 'install', command: f.hint ?? 'install the package that provides it' };
          return row('problem', f.hint ?? step.command, [step, { phase: 'configure', command: `${cli} apply` }]);
        }
      }
    });
}
