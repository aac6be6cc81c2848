// Runs the real program that must accept a generated file (dhcpd -t, dnsmasq --test...).
import { accessSync, constants, mkdtempSync, rmdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, isAbsolute, join } from 'node:path';
import type { Checker } from '../targets/types';

export type CheckOutcome =
  | { result: 'accepted'; label: string }
  | { result: 'refused'; label: string; output: string }
  | { result: 'skipped'; label: string; why: string };

const SBIN = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'];

/** An executable regular file (following symlinks), as `which` takes it. */
function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * PATH first, then the sbin directories a non-root PATH lacks. A walk over a
 * few directories: loading a shell library for it cost an apply of one file
 * about a tenth of its time.
 */
export function findProgram(name: string): string | null {
  if (name.includes('/')) return isExecutable(name) ? name : null;
  const path = (process.env.PATH ?? '').split(delimiter).filter((d) => isAbsolute(d));
  for (const dir of [...path, ...SBIN]) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

export function runChecker(checker: Checker, path: string, content: Buffer): CheckOutcome {
  const program = findProgram(checker.program);
  if (!program) return { result: 'skipped', label: checker.label, why: `${checker.program} is not installed` };
  if (checker.requires && !findProgram(checker.requires)) return { result: 'skipped', label: checker.label, why: `${checker.requires} is not installed` };
  const dir = mkdtempSync(join(tmpdir(), 'ltspcfg-check-'));
  const file = join(dir, basename(path));
  try {
    writeFileSync(file, content);
    const args = checker.args.map((a) => a.split('{}').join(file));
    // loaded here: child_process brings node's streams and sockets, which apply --no-check never needs
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const r = spawnSync(program, args, { encoding: 'utf8', timeout: 60_000, cwd: dir });
    if (r.error) return { result: 'refused', label: checker.label, output: r.error.message };
    if (r.status === 0) return { result: 'accepted', label: checker.label };
    const output = `${r.stdout}${r.stderr}`.split(file).join(path).trim();
    return { result: 'refused', label: checker.label, output };
  } finally {
    removeScratch(dir, file);
  }
}

/** Removes the checker's scratch directory: its one file, then the directory (a recursive rm, which loads more of node, only when the checker left more there). */
function removeScratch(dir: string, file: string): void {
  try {
    unlinkSync(file);
    rmdirSync(dir);
  } catch {
    rmSync(dir, { recursive: true, force: true });
  }
}
