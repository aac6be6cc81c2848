// How ltspcfg-ts fails. Commands throw one of these; src/main.ts catches it once,
// prints one line a problem on stderr and exits with its code:
//   2  bad usage (UsageError) or a site.toml that cannot be used (SiteError)
//   1  a problem with the system or the request (Problem): a file that cannot be
//      written, a target that writes nothing for this site
// Findings that are not errors (status' missing packages, a checker's refusal)
// are printed by their command, which returns exit code 1 instead of throwing.
import { nearest } from './suggest';
import { escapeControl } from './site/chars';
import { outputFailure } from './system/errno';

export abstract class CliError extends Error {
  abstract readonly exitCode: 1 | 2;
  /** What main.ts prints, one line each. */
  lines(): string[] {
    return [`ltspcfg-ts: ${this.message}`];
  }
}

/** Bad usage: an unknown command, option, target or key; exit 2. */
export class UsageError extends CliError {
  readonly exitCode = 2;
}

/** The request cannot be carried out on this system; exit 1. */
export class Problem extends CliError {
  readonly exitCode = 1;
}

/** One problem of a site.toml; printed as FILE:LINE:COL: key.path: what is wrong; what is expected */
export interface SiteProblem {
  file: string;
  position: { line: number; col: number };
  key: string;
  problem: string;
  expected: string;
}

function formatProblem(p: SiteProblem): string {
  // user text (a file name, a quoted key) may hold a newline: the message stays one line
  const key = p.key ? `${escapeControl(p.key)}: ` : '';
  return `${escapeControl(p.file)}:${p.position.line}:${p.position.col}: ${key}${escapeControl(p.problem)}; ${escapeControl(p.expected)}`;
}

/** A site.toml that cannot be used, with every problem found in it; exit 2. */
export class SiteError extends CliError {
  readonly exitCode = 2;
  constructor(readonly problems: SiteProblem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
  lines(): string[] {
    return this.problems.map(formatProblem);
  }
}

/** `render: unknown target "dhcp"; did you mean "dhcpd"? targets: dhcpd, dnsmasq, ...` (where: "render", or "" for none) */
export function unknownName(where: string, what: string, name: string, choices: string[]): UsageError {
  const guess = nearest(name, choices);
  return new UsageError(`${where ? `${where}: ` : ''}unknown ${what} "${name}"; ${guess ? `did you mean "${guess}"? ` : ''}${what}s: ${choices.join(', ')}`);
}

/**
 * Prints what went wrong, one line a problem, never a stack trace, and returns the exit code:
 * a CliError's own, 1 for anything else (an unreadable file under --root, a defect).
 */
export function reportFailure(e: unknown): 1 | 2 {
  const known = e instanceof CliError;
  const lines = known ? e.lines() : [`ltspcfg-ts: ${stdoutFailure(e) ?? (e instanceof Error ? e.message : String(e))}`];
  for (const line of lines) process.stderr.write(escapeControl(line.replace(/\s*\n\s*/g, ' ')) + '\n');
  return known ? e.exitCode : 1;
}

/** A write to stdout that failed (`> /dev/full`), in words; null for anything else. Only stdout's writes reach here raw: files are written by src/system/write.ts, which names them. */
function stdoutFailure(e: unknown): string | null {
  const err = e as NodeJS.ErrnoException;
  if (!(e instanceof Error) || err.syscall !== 'write' || err.path !== undefined || !err.code) return null;
  return outputFailure(e);
}
