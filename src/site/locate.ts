// Where each key of a TOML file stands, so that every message can name its line.
// @iarna/toml gives values only; this scanner follows table headers, arrays of
// tables and key lines (skipping multi-line arrays and strings) and records
// "group[1].host[2].mac" -> line:col, with 1-based array indexes as in messages.

interface Position {
  line: number;
  col: number;
}

export type Positions = Map<string, Position>;

const BARE_KEY = /[A-Za-z0-9_-]+/y;

/** Splits a dotted key like `a."b.c".d` into its parts; returns the parts and the length consumed. */
function readKey(text: string): { parts: string[]; length: number } | null {
  const parts: string[] = [];
  let i = 0;
  for (;;) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    const q = text[i];
    if (q === '"' || q === "'") {
      const end = text.indexOf(q, i + 1);
      if (end < 0) return null;
      parts.push(text.slice(i + 1, end));
      i = end + 1;
    } else {
      BARE_KEY.lastIndex = i;
      const m = BARE_KEY.exec(text);
      if (!m) return null;
      parts.push(m[0]);
      i += m[0].length;
    }
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (text[i] !== '.') return { parts, length: i };
    i++;
  }
}

/** Net count of [ and { opened on a line, outside strings and comments; tracks """ and ''' strings. */
function scanValue(line: string, state: { multi: string | null }): number {
  let depth = 0;
  let i = 0;
  while (i < line.length) {
    if (state.multi) {
      const end = line.indexOf(state.multi, i);
      if (end < 0) return depth;
      i = end + 3;
      state.multi = null;
      continue;
    }
    const c = line[i];
    if (c === '#') break;
    if ((c === '"' || c === "'") && line.startsWith(c.repeat(3), i)) {
      state.multi = c.repeat(3);
      i += 3;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < line.length && line[j] !== c) j += c === '"' && line[j] === '\\' ? 2 : 1;
      i = j + 1;
      continue;
    }
    if (c === '[' || c === '{') depth++;
    if (c === ']' || c === '}') depth--;
    i++;
  }
  return depth;
}

export function locateKeys(text: string): Positions {
  const positions: Positions = new Map();
  const lines = text.split('\n');
  // counts of [[x]] per parent path, to number arrays of tables
  const arrayCounts = new Map<string, number>();
  let table = ''; // current table path with indexes
  let depth = 0;
  const strings = { multi: null as string | null };

  const join = (base: string, parts: string[]) => [base, ...parts].filter(Boolean).join('.');

  lines.forEach((raw, index) => {
    const line = index + 1;
    if (depth > 0 || strings.multi) {
      depth += scanValue(raw, strings);
      return;
    }
    const indent = raw.length - raw.trimStart().length;
    const body = raw.trimStart();
    if (body === '' || body.startsWith('#')) return;

    if (body.startsWith('[[')) {
      const key = readKey(body.slice(2));
      if (!key) return;
      // resolve each part against the arrays already open: group.host -> group[N].host
      let path = '';
      key.parts.forEach((part, i) => {
        const name = join(path, [part]);
        if (i < key.parts.length - 1) {
          const n = arrayCounts.get(name);
          path = n ? `${name}[${n}]` : name;
        } else {
          const n = (arrayCounts.get(name) ?? 0) + 1;
          arrayCounts.set(name, n);
          path = `${name}[${n}]`;
        }
      });
      // a new element resets the numbering of arrays nested in it
      for (const k of [...arrayCounts.keys()]) if (k.startsWith(path + '.')) arrayCounts.delete(k);
      table = path;
      positions.set(table, { line, col: indent + 1 });
      return;
    }
    if (body.startsWith('[')) {
      const key = readKey(body.slice(1));
      if (!key) return;
      let path = '';
      key.parts.forEach((part) => {
        const name = join(path, [part]);
        const n = arrayCounts.get(name);
        path = n ? `${name}[${n}]` : name;
      });
      table = path;
      if (!positions.has(table)) positions.set(table, { line, col: indent + 1 });
      return;
    }
    const key = readKey(body);
    if (!key || body[key.length] !== '=') return;
    const path = join(table, key.parts);
    positions.set(path, { line, col: indent + 1 });
    depth += scanValue(body.slice(key.length + 1), strings);
  });
  return positions;
}

/** The position of a path, or of the nearest enclosing table that has one. */
export function positionOf(positions: Positions, path: string): Position {
  let p = path;
  for (;;) {
    const found = positions.get(p);
    if (found) return found;
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    if (cut <= 0) return { line: 1, col: 1 };
    p = p.slice(0, cut);
  }
}
