// `ltspcfg-ts [OPTIONS] get KEY` and `get --shell KEY|TABLE...` (the call the
// services make on every start), told apart from every other command line
// without commander (src/plain-command.ts): a command line that is plainly that
// is answered by the launcher from what a previous run kept (plainAnswer), or
// run by the small get bundle (src/get-main.ts); anything else goes to
// src/cli.ts, which answers it as always. This module loads nothing: the
// launcher carries it.
import type { GlobalOptions } from './commands/context';
import { GET_OPTIONS } from './options';
import { plainCommand } from './plain-command';

export interface PlainGet {
  opts: GlobalOptions;
  keys: string[];
  shell: boolean;
}

/** The options and keys of a plain `get` command line (argv without node and the script), else null. */
export function plainGet(args: string[]): PlainGet | null {
  const get = plainCommand(args, 'get', GET_OPTIONS);
  if (!get) return null;
  const shell = get.own.shell === true;
  const keys = get.words;
  return keys.length === 1 || (shell && keys.length > 1) ? { opts: get.opts, keys, shell } : null;
}

/**
 * The part of `get`'s kept answers that the launcher reads (src/system/site-cache.ts keeps them;
 * src/commands/get.ts makes them): the output of every key of the schema's plain tables, and
 * which keys each table has, so that no schema is needed to answer from them.
 */
export interface PlainAnswers {
  /** `get KEY` output (without the newline) of each key of a plain table: tftp.root, tftp.address... */
  leaves: Record<string, string>;
  /** the keys of each plain table (tftp: tftp.root, tftp.user...), for `get --shell TABLE` */
  tables: Record<string, string[]>;
}

/** `tftp_root='/tftpboot'`: a `get --shell` line (names: every character outside [A-Za-z0-9_] made `_`; values single-quoted). */
export function shellLine(key: string, value: string): string {
  // single quotes: nothing inside is expanded; a quote becomes '\''
  return `${key.replace(/[^A-Za-z0-9_]/g, '_')}='${value.replace(/'/g, "'\\''")}'`;
}

/**
 * What `get` prints for these keys (with its final newline) from the plain answers, or null
 * when they do not hold it (an array element, an lts.* key, an unknown key, a mistake): the
 * get bundle answers those, and every error.
 */
export function plainAnswer(answers: PlainAnswers, keys: string[], shell: boolean): string | null {
  const { leaves, tables } = answers;
  if (!shell) return Object.hasOwn(leaves, keys[0]) ? `${leaves[keys[0]]}\n` : null;
  const lines: string[] = [];
  for (const key of keys) {
    const leafKeys = Object.hasOwn(tables, key) ? tables[key] : [key];
    for (const leaf of leafKeys) {
      if (!Object.hasOwn(leaves, leaf)) return null;
      lines.push(shellLine(leaf, leaves[leaf]));
    }
  }
  return `${lines.join('\n')}\n`;
}
