// Pure helpers that build FileEdits for files other packages own.
import type { FileEdit } from './types';

const BEGIN = 'BEGIN ltsp-ts';
const END = 'END ltsp-ts';

function markers(comment: string) {
  return {
    begin: `${comment} ${BEGIN}: generated from site.toml by ltspcfg-ts; edits inside this block are overwritten`,
    end: `${comment} ${END}`,
  };
}

/** Finds our block: [start of begin line, end of end line + newline], or null. */
function findBlock(text: string, comment: string): [number, number] | null {
  const lines = text.split('\n');
  let offset = 0;
  let start = -1;
  for (const line of lines) {
    const next = offset + line.length + 1;
    if (start < 0 && line.startsWith(`${comment} ${BEGIN}`)) start = offset;
    else if (start >= 0 && line === `${comment} ${END}`) return [start, Math.min(next, text.length)];
    offset = next;
  }
  return null;
}

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
      const at = findBlock(current, opts.comment);
      if (at) return current.slice(0, at[0]) + block + current.slice(at[1]);
      return current + (current.endsWith('\n') ? '' : '\n') + block;
    },
    owned(current) {
      if (current === null) return null;
      const at = findBlock(current, opts.comment);
      return at ? current.slice(at[0], at[1]) : null;
    },
  };
}
