// Problems found in a site.toml. Each renders as one line:
//   FILE:LINE:COL: key.path: what is wrong; what is expected
import type { Position } from './locate';
import { escapeControl } from './chars';

export interface SiteProblem {
  file: string;
  position: Position;
  key: string;
  problem: string;
  expected: string;
}

export function formatProblem(p: SiteProblem): string {
  // user text (a file name, a quoted key) may hold a newline: the message stays one line
  const key = p.key ? `${escapeControl(p.key)}: ` : '';
  return `${escapeControl(p.file)}:${p.position.line}:${p.position.col}: ${key}${escapeControl(p.problem)}; ${escapeControl(p.expected)}`;
}

/** Thrown when a site.toml cannot be used; carries every problem found. */
export class SiteError extends Error {
  constructor(readonly problems: SiteProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'SiteError';
  }
}
