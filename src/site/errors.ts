// Problems found in a site.toml. Each renders as one line:
//   FILE:LINE:COL: key.path: what is wrong; what is expected
import type { Position } from './locate';

export interface SiteProblem {
  file: string;
  position: Position;
  key: string;
  problem: string;
  expected: string;
}

export function formatProblem(p: SiteProblem): string {
  const key = p.key ? `${p.key}: ` : '';
  return `${p.file}:${p.position.line}:${p.position.col}: ${key}${p.problem}; ${p.expected}`;
}

/** Thrown when a site.toml cannot be used; carries every problem found. */
export class SiteError extends Error {
  constructor(readonly problems: SiteProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'SiteError';
  }
}
