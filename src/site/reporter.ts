// Collects the problems of one site.toml, each at the line of its key, so that
// the admin sees them all at once.
import type { SiteProblem } from '../errors';
import { locateKeys, positionOf, type Positions } from './locate';

export class Reporter {
  readonly problems: SiteProblem[] = [];
  // key positions are needed for messages only: located on first use
  private positions?: Positions;

  constructor(readonly file: string, private readonly text: string) {}

  /** A problem of `key`, placed at the line of `at` (default: the key itself). */
  report(key: string, problem: string, expected: string, at = key): void {
    this.problems.push({ file: this.file, position: positionOf(this.located(), at), key, problem, expected });
  }

  /** The line of a key, for messages that point at a second place ("already used at line 12"). */
  lineOf(path: string): number {
    return positionOf(this.located(), path).line;
  }

  private located(): Positions {
    this.positions ??= locateKeys(this.text);
    return this.positions;
  }
}
