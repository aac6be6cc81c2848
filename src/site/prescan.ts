// A linear pass over site.toml before the TOML parser sees it. @iarna/toml
// spends about a microsecond per character inside a string and reports an
// unterminated one only at the end of its line, so a 10 MB line took seconds
// to refuse; and a table grows slower with every key it holds, so a file of
// one table with a million keys took half a minute and 600 MB. Lines,
// multi-line strings and the keys of one table are capped here instead,
// documented in ltspcfg-ts(8): no real site.toml comes near any of them.

export const MAX_LINE_CHARS = 16 * 1024;
export const MAX_STRING_CHARS = 16 * 1024;
/**
 * Keys of one table: the largest of the schema has about twenty, an lts.conf section draws on
 * LTSP's couple of hundred keys, a host has a dozen at most. Many tables are fine (a host is one).
 */
export const MAX_TABLE_KEYS = 1000;

export interface PrescanProblem {
  line: number;
  col: number;
  /** the table, as its header names it ("" for the keys before the first header) */
  key?: string;
  problem: string;
  expected: string;
}

/** The first line, multi-line string or table over its cap, or null. */
export function prescan(text: string): PrescanProblem | null {
  // no """ or ''' anywhere: no multi-line string, so only the lines' lengths and the keys to
  // check (the common case, and searches in native code instead of a walk over every character)
  return walk(text, text.includes('"""') || text.includes("'''"));
}

/** The table being read: where its header is (-1: before the first), and its keys so far. */
interface TableCount {
  from: number;
  to: number;
  keys: number;
}

/**
 * For a line that starts outside arrays and inline tables: a header starts a table (true), anything
 * but a comment or a blank is one more key of the current one. `i`: the line's first non-blank.
 */
function countKey(table: TableCount, text: string, i: number, end: number): boolean {
  const c = text.charCodeAt(i);
  if (c === 91 /* [ */) {
    table.from = i;
    table.to = end;
    table.keys = 0;
    return true;
  }
  if (i < end && c !== 35 /* # */ && c !== 13 /* \r */) table.keys++;
  return false;
}

function tooManyKeys(table: TableCount, text: string, line: number, col: number): PrescanProblem {
  const name = table.from < 0 ? '' : text.slice(table.from, table.to).replace(/\s*(#.*)?\r?$/, '').replace(/^\[+\s*|\s*\]+$/g, '');
  return { line, col, key: name, problem: `${name ? 'the table' : 'the top level'} has more than ${MAX_TABLE_KEYS} keys`, expected: `expected at most ${MAX_TABLE_KEYS} keys in one table (lts.conf has a few hundred at most)` };
}

const firstNonBlank = (text: string, i: number, end: number): number => {
  for (let c = text.charCodeAt(i); i < end && (c === 32 || c === 9); c = text.charCodeAt(++i));
  return i;
};

/** How deep in arrays and inline tables the end of a line (without multi-line strings) is. */
function depthAfter(text: string, start: number, end: number, depth: number): number {
  for (let i = start; i < end; i++) {
    const c = text[i];
    if (c === '#') break;
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < end && text[j] !== c) j += c === '"' && text[j] === '\\' ? 2 : 1;
      i = j;
    } else if (c === '[' || c === '{') depth++;
    else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return depth;
}

function overLine(line: number, chars: number): PrescanProblem {
  return { line, col: MAX_LINE_CHARS + 1, problem: `line ${line} has ${chars} characters, more than ${MAX_LINE_CHARS}`, expected: `expected lines of at most ${MAX_LINE_CHARS} characters` };
}

/**
 * The first line over its cap, multi-line string over its cap or table of too many keys, or null.
 * Line by line; `strings`: the text may hold multi-line strings, so every line is walked character
 * by character outside strings and comments; else only lines with a bracket are walked, to follow
 * arrays and inline tables. (One loop for both: a helper per line cost ~40% more on a cold run,
 * which is the only kind a CLI makes.)
 */
function walk(text: string, strings: boolean): PrescanProblem | null {
  // where the next of each bracket is (text.length: none left), looked up again once passed
  const next = [-1, -1, -1, -1];
  const bracketFrom = (from: number): number => {
    let first = text.length;
    for (let k = 0; k < 4; k++) {
      if (next[k] < from) {
        const at = text.indexOf('[]{}'[k], from);
        next[k] = at < 0 ? text.length : at;
      }
      if (next[k] < first) first = next[k];
    }
    return first;
  };
  let bracket = strings ? -1 : bracketFrom(0);
  let multi: { delim: string; line: number; col: number; chars: number } | null = null;
  // nesting of arrays and inline tables: a line that starts outside them starts a key or a header
  let depth = 0;
  const table: TableCount = { from: -1, to: -1, keys: 0 };
  let line = 0;
  for (let start = 0, end = 0; start <= text.length; start = end + 1, line++) {
    end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end - start > MAX_LINE_CHARS) return overLine(line + 1, end - start);
    let i = start;
    let header = false;
    if (!multi && depth === 0) {
      i = firstNonBlank(text, start, end);
      header = countKey(table, text, i, end);
      if (table.keys > MAX_TABLE_KEYS) return tooManyKeys(table, text, line + 1, i - start + 1);
    }
    if (!strings) {
      if (bracket < end) {
        // a header's brackets close on its line (the parser refuses one that does not)
        if (!header) depth = depthAfter(text, start, end, depth);
        bracket = bracketFrom(end);
      }
      continue;
    }
    while (i < end) {
      if (multi) {
        const close = text.indexOf(multi.delim, i);
        const stop = close < 0 || close > end ? end : close;
        multi.chars += stop - i + (stop === end ? 1 : 0);
        if (multi.chars > MAX_STRING_CHARS)
          return { line: multi.line, col: multi.col, problem: `a multi-line string of more than ${MAX_STRING_CHARS} characters`, expected: `expected strings of at most ${MAX_STRING_CHARS} characters` };
        if (stop === end) break;
        i = close + 3;
        multi = null;
        continue;
      }
      const c = text[i];
      if (c === '#') break;
      if ((c === '"' || c === "'") && text.startsWith(c.repeat(3), i)) {
        multi = { delim: c.repeat(3), line: line + 1, col: i - start + 1, chars: 0 };
        i += 3;
        continue;
      }
      if (c === '"' || c === "'") {
        let j = i + 1;
        while (j < end && text[j] !== c) j += c === '"' && text[j] === '\\' ? 2 : 1;
        i = j + 1;
        continue;
      }
      if (c === '[' || c === '{') depth++;
      else if ((c === ']' || c === '}') && depth > 0) depth--;
      i++;
    }
  }
  return null;
}
