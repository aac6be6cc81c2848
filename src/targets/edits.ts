// Pure helpers that build FileEdits for files other packages own.
import type { FileEdit } from './types';
import { Problem } from '../errors';

const BEGIN = 'BEGIN ltsp-ts';
const END = 'END ltsp-ts';

function markers(comment: string) {
  return {
    begin: `${comment} ${BEGIN}: generated from site.toml by ltspcfg-ts; edits inside this block are overwritten`,
    end: `${comment} ${END}`,
  };
}

/**
 * Finds our block: [start of begin line, end of end line + newline], or null when
 * there is none. A damaged block (a begin line without its end line, an end line
 * without a begin, two blocks) is refused with the file and line, never guessed
 * at: appending another block, or replacing from a stray begin line down to a
 * later end line, would leave stale entries or take the admin's lines with it.
 */
function findBlock(text: string, comment: string, path: string): [number, number] | null {
  const lines = text.split('\n');
  const beginLine = `${comment} ${BEGIN}`;
  const endLine = `${comment} ${END}`;
  let offset = 0;
  let start = -1;
  let startLine = 0;
  let found: [number, number] | null = null;
  let foundLine = 0;
  let foundEnd = 0;
  const damaged = (line: number, what: string) =>
    new BlockError(`${path}:${line}: ${what}; expected one block from "${beginLine}" to "${endLine}": repair it by hand (or delete both lines and what is between), then run again`);
  for (const [i, line] of lines.entries()) {
    const next = offset + line.length + 1;
    if (line.startsWith(beginLine)) {
      if (start >= 0) throw damaged(i + 1, `a second begin line, and the one at line ${startLine} has no end line`);
      if (found) throw damaged(i + 1, `a second ltsp-ts block (the first begins at line ${foundLine})`);
      start = offset;
      startLine = i + 1;
    } else if (line === endLine) {
      if (start < 0) throw damaged(i + 1, found ? `an end line after the block of lines ${foundLine}-${foundEnd}` : 'an end line without a begin line');
      found = [start, Math.min(next, text.length)];
      foundLine = startLine;
      foundEnd = i + 1;
      start = -1;
    }
    offset = next;
  }
  if (start >= 0) throw damaged(startLine, 'a begin line without its end line');
  return found;
}

/** A file ltspcfg-ts edits holds a damaged block of its own: exit 1, one line, nothing written. */
export class BlockError extends Problem {}

/** A block between marker lines; appended at the end of the file the first time, replaced in place after. */
export function markedBlock(opts: { path: string; content: string; comment: string; mode: number }): FileEdit {
  const { begin, end } = markers(opts.comment);
  const body = opts.content.endsWith('\n') || opts.content === '' ? opts.content : opts.content + '\n';
  const block = `${begin}\n${body}${end}\n`;
  return {
    kind: 'edit',
    path: opts.path,
    mode: opts.mode,
    edit(current) {
      if (current === null || current === '') return block;
      const at = findBlock(current, opts.comment, opts.path);
      if (at) return current.slice(0, at[0]) + block + current.slice(at[1]);
      return current + (current.endsWith('\n') ? '' : '\n') + block;
    },
    owned(current) {
      if (current === null) return null;
      const at = findBlock(current, opts.comment, opts.path);
      return at ? current.slice(at[0], at[1]) : null;
    },
  };
}
