// `ltspcfg-ts [OPTIONS] apply [--only T,...] [--diff] [--force] [--no-check]`
// told apart from every other command line without commander (src/plain-command.ts),
// so that a one-file apply does not build commander's whole program first;
// anything else (help, a typo, an option in another place) goes to src/cli.ts.
// This module loads nothing: src/main.ts asks it about every command line.
import { APPLY_OPTIONS } from '../options';
import { plainCommand, type PlainCommand } from '../plain-command';

/** The options of a plain `apply` command line (argv without node and the script), else null. */
export function plainApply(args: string[]): PlainCommand | null {
  const apply = plainCommand(args, 'apply', APPLY_OPTIONS);
  return apply && apply.words.length === 0 ? apply : null;
}
