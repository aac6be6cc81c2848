// A linear pass over site.toml before the TOML parser sees it. @iarna/toml
// spends about a microsecond per character inside a string and reports an
// unterminated one only at the end of its line, so a 10 MB line took seconds
// to refuse. Lines and multi-line strings are capped here instead, documented
// in ltspcfg-ts(8): no real site.toml comes near either.

export const MAX_LINE_CHARS = 16 * 1024;
export const MAX_STRING_CHARS = 16 * 1024;

export interface PrescanProblem {
  line: number;
  col: number;
  problem: string;
  expected: string;
}

/** The first line or multi-line string over its cap, or null. */
export function prescan(text: string): PrescanProblem | null {
  // no """ or ''' anywhere: no multi-line string, and only the lines' lengths to check (the
  // common case, and a search in native code instead of a walk over every character)
  if (!text.includes('"""') && !text.includes("'''")) return longLine(text);
  return scan(text);
}

function overLine(line: number, chars: number): PrescanProblem {
  return { line, col: MAX_LINE_CHARS + 1, problem: `line ${line} has ${chars} characters, more than ${MAX_LINE_CHARS}`, expected: `expected lines of at most ${MAX_LINE_CHARS} characters` };
}

/** The first line over its cap, or null. */
function longLine(text: string): PrescanProblem | null {
  let line = 0;
  for (let start = 0; start <= text.length; line++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end - start > MAX_LINE_CHARS) return overLine(line + 1, end - start);
    start = end + 1;
  }
  return null;
}

/** Lines and multi-line strings, character by character outside strings and comments. */
function scan(text: string): PrescanProblem | null {
  let multi: { delim: string; line: number; col: number; chars: number } | null = null;
  let line = 0;
  for (let start = 0; start <= text.length; line++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end - start > MAX_LINE_CHARS) return overLine(line + 1, end - start);
    let i = start;
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
      i++;
    }
    start = end + 1;
  }
  return null;
}
