// A command line that is plainly one command (`get KEY`, `render TARGET`), told
// apart from every other without commander: the global options in their usual
// spellings, the command word, its own options after it, and its words. The
// launcher answers such a line from what a previous run kept (src/get-fast.ts,
// src/render-fast.ts); anything else (help, a typo, an option commander would
// refuse, a missing value) returns null and goes to src/cli.ts, which answers
// it as always. This module loads nothing: the launcher carries it.
import type { GlobalOptions } from './commands/context';

export const FLAGS: Record<string, 'gentoo' | 'yes' | 'dryRun'> = { '--gentoo': 'gentoo', '-y': 'yes', '--yes': 'yes', '-n': 'dryRun', '--dry-run': 'dryRun' };
export const VALUES: Record<string, 'config' | 'root'> = { '-c': 'config', '--config': 'config', '-r': 'root', '--root': 'root' };

/** A command's own options (after its word): those that take a value, and flags. */
export interface CommandOptions {
  values?: readonly string[];
  flags?: readonly string[];
}

export interface PlainCommand {
  opts: GlobalOptions;
  /** the words after the command word */
  words: string[];
  /** the command's own options given: a value, or true for a flag */
  own: Record<string, string | true>;
}

/**
 * The options and words of a plain `command` line (argv without node and the script), else null.
 * A value is the next argument whatever it is, or follows `=` in a long option, as commander
 * takes it; the command's own options count only after its word (commander refuses them before).
 */
export function plainCommand(args: string[], command: string, own: CommandOptions = {}): PlainCommand | null {
  const opts: GlobalOptions = {};
  const words: string[] = [];
  const given: Record<string, string | true> = {};
  let seen = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const name = eq > 0 ? a.slice(0, eq) : a;
    const ownValue = seen && own.values?.includes(name);
    if (ownValue || Object.hasOwn(VALUES, name)) {
      let value: string;
      if (eq > 0) value = a.slice(eq + 1);
      else if (i + 1 < args.length) value = args[++i];
      else return null;
      if (ownValue) given[name] = value;
      else opts[VALUES[name]] = value;
    } else if (eq > 0) return null;
    else if (Object.hasOwn(FLAGS, a)) opts[FLAGS[a]] = true;
    else if (a === '--no-color') opts.color = false;
    else if (seen && own.flags?.includes(a)) given[a] = true;
    else if (a.startsWith('-')) return null;
    else if (seen) words.push(a);
    else if (a === command) seen = true;
    else return null;
  }
  return seen ? { opts, words, own: given } : null;
}
