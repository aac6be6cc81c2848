// A command line that is plainly one command (`get KEY`, `render TARGET`), told
// apart from every other without commander: the global options in their usual
// spellings, the command word, its own options after it, and its words. The
// launcher answers such a line from what a previous run kept (src/get-fast.ts,
// src/render-fast.ts); anything else (help, a typo, an option commander would
// refuse, a missing value) returns null and goes to src/cli.ts, which answers
// it as always. The options are src/options.ts's, the table commander's are
// declared from. This module loads nothing else: the launcher carries it.
import type { GlobalOptions } from './commands/context';
import { GLOBAL_OPTIONS, type OptionSpec } from './options';

export interface PlainCommand {
  opts: GlobalOptions;
  /** the words after the command word */
  words: string[];
  /** the command's own options given, by property as commander names them: a value, true for a flag, false for a --no- flag */
  own: Record<string, string | boolean>;
}

/** The entry of `name` (a long or a short spelling) in `specs`, or undefined. */
function optionNamed(specs: readonly OptionSpec[], name: string): OptionSpec | undefined {
  for (const o of specs) if (o.long === name || o.short === name) return o;
  return undefined;
}

/**
 * The options and words of a plain `command` line (argv without node and the script), else null.
 * A value is the next argument whatever it is, or follows `=` in a long option, as commander
 * takes it; the command's own options (`own`) count only after its word (commander refuses
 * them before). A flag sets its property true, a --no- flag false, as commander does.
 */
export function plainCommand(args: string[], command: string, own: readonly OptionSpec[] = []): PlainCommand | null {
  const opts: Record<string, string | boolean> = {};
  const words: string[] = [];
  const given: Record<string, string | boolean> = {};
  let seen = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith('-')) {
      const eq = a.startsWith('--') ? a.indexOf('=') : -1;
      const name = eq > 0 ? a.slice(0, eq) : a;
      const ownOption = seen ? optionNamed(own, name) : undefined;
      const option = ownOption ?? optionNamed(GLOBAL_OPTIONS, name);
      if (!option) return null;
      const into = ownOption ? given : opts;
      if (option.value) {
        if (eq > 0) into[option.key] = a.slice(eq + 1);
        else if (i + 1 < args.length) into[option.key] = args[++i];
        else return null;
      } else if (eq > 0) return null;
      else into[option.key] = !option.long.startsWith('--no-');
    } else if (seen) words.push(a);
    else if (a === command) seen = true;
    else return null;
  }
  return seen ? { opts: opts as GlobalOptions, words, own: given } : null;
}
