// `ltspcfg-ts [OPTIONS] get KEY` and `get --shell KEY|TABLE...` (the call the
// services make on every start), told apart from every other command line
// without commander: a command line that is plainly that (the global options in
// their usual spellings, `get`, one key, or --shell and keys) is run by the
// small get bundle (src/get-main.ts; the launcher picks it); anything else
// (help, a typo, a missing value) goes to src/cli.ts, which answers it as always.
// This module loads nothing: the launcher carries it.
import type { GlobalOptions } from './commands/context';

export const FLAGS: Record<string, keyof GlobalOptions> = { '--gentoo': 'gentoo', '-y': 'yes', '--yes': 'yes', '-n': 'dryRun', '--dry-run': 'dryRun' };
export const VALUES: Record<string, 'config' | 'root'> = { '-c': 'config', '--config': 'config', '-r': 'root', '--root': 'root' };

export interface PlainGet {
  opts: GlobalOptions;
  keys: string[];
  shell: boolean;
}

/** The options and keys of a plain `get` command line (argv without node and the script), else null. */
export function plainGet(args: string[]): PlainGet | null {
  const opts: GlobalOptions = {};
  const words: string[] = [];
  let shell = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = /^(--config|--root)=(.*)$/s.exec(a);
    if (eq) opts[VALUES[eq[1]]] = eq[2];
    else if (Object.hasOwn(VALUES, a)) {
      if (i + 1 >= args.length) return null;
      opts[VALUES[a]] = args[++i];
    } else if (Object.hasOwn(FLAGS, a)) (opts as Record<string, unknown>)[FLAGS[a]] = true;
    else if (a === '--no-color') opts.color = false;
    else if (a === '--shell') shell = true;
    else if (a.startsWith('-')) return null;
    else words.push(a);
  }
  if (words[0] !== 'get') return null;
  const keys = words.slice(1);
  return keys.length === 1 || (shell && keys.length > 1) ? { opts, keys, shell } : null;
}
