// Runs the real program that must accept a generated file (dhcpd -t, dnsmasq --test...).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Checker } from '../targets/types';

export type CheckOutcome =
  | { result: 'accepted'; label: string }
  | { result: 'refused'; label: string; output: string }
  | { result: 'skipped'; label: string; why: string };

const SBIN = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'];

/** PATH first, then the sbin directories a non-root PATH lacks. */
export function findProgram(name: string): string | null {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const shell = require('shelljs') as typeof import('shelljs');
  const found = shell.which(name);
  if (found) return found.toString();
  for (const dir of SBIN) if (shell.test('-f', join(dir, name))) return join(dir, name);
  return null;
}

export function runChecker(checker: Checker, path: string, content: Buffer): CheckOutcome {
  const program = findProgram(checker.program);
  if (!program) return { result: 'skipped', label: checker.label, why: `${checker.program} is not installed` };
  if (checker.requires && !findProgram(checker.requires)) return { result: 'skipped', label: checker.label, why: `${checker.requires} is not installed` };
  const dir = mkdtempSync(join(tmpdir(), 'ltspcfg-check-'));
  try {
    const file = join(dir, basename(path));
    writeFileSync(file, content);
    const args = checker.args.map((a) => a.split('{}').join(file));
    const r = spawnSync(program, args, { encoding: 'utf8', timeout: 60_000, cwd: dir });
    if (r.error) return { result: 'refused', label: checker.label, output: r.error.message };
    if (r.status === 0) return { result: 'accepted', label: checker.label };
    const output = `${r.stdout}${r.stderr}`.split(file).join(path).trim();
    return { result: 'refused', label: checker.label, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
