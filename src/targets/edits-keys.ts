// Pure helpers that set named keys in files other packages own: INI-style
// files (gdm's custom.conf), X resource files (xdm-config) and shell variable
// files (/etc/conf.d/*). Every key ltsp-ts sets gets a marker comment on the
// line above it; the marker and the key line are the part ltsp-ts owns, so a
// hand edit of such a key is seen as drift, while every other line, comment
// and blank stays byte for byte as it was.
import type { FileEdit } from './types';

type KeyFormat = 'ini' | 'xresources' | 'shell';

interface KeySetting {
  key: string;
  /** the new value (printed as is); null removes the key, but only where ltsp-ts set it */
  value: string | ((current: string | null) => string) | null;
}

const MARK = 'ltsp-ts: the next line is set by ltspcfg-ts from site.toml';

function comment(format: KeyFormat): string {
  return format === 'xresources' ? '!' : '#';
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** key line: [prefix up to and including the separator and its blanks, value] */
function matchKey(line: string, key: string, format: KeyFormat): [string, string] | null {
  const sep = format === 'xresources' ? ':' : '=';
  const lead = format === 'shell' ? '(?:export[ \\t]+)?' : '';
  const blanks = format === 'shell' ? '' : '[ \\t]*';
  const m = new RegExp(`^([ \\t]*${lead}${escapeRe(key)}${blanks}${sep}${blanks})(.*)$`).exec(line);
  return m ? [m[1], m[2]] : null;
}

function isSection(line: string): string | null {
  const m = /^[ \t]*\[([^\]]*)\][ \t]*$/.exec(line);
  return m ? m[1] : null;
}

interface Span {
  /** first and last+1 line index of the region the keys live in */
  start: number;
  end: number;
}

function region(lines: string[], section: string | undefined): Span | null {
  if (section === undefined) return { start: 0, end: lines.length };
  let start = -1;
  for (let i = 0; i < lines.length; i++) {
    const name = isSection(lines[i]);
    if (name === null) continue;
    if (start >= 0) return { start, end: i };
    if (name === section) start = i + 1;
  }
  return start >= 0 ? { start, end: lines.length } : null;
}

/** index of the last line of `key` in the span (the last assignment wins in all three formats) */
function findKey(lines: string[], span: Span, key: string, format: KeyFormat): number {
  let at = -1;
  for (let i = span.start; i < span.end; i++) if (matchKey(lines[i], key, format)) at = i;
  return at;
}

function split(text: string): { lines: string[]; finalNewline: boolean } {
  if (text === '') return { lines: [], finalNewline: true };
  const finalNewline = text.endsWith('\n');
  const lines = (finalNewline ? text.slice(0, -1) : text).split('\n');
  return { lines, finalNewline };
}

function join(lines: string[], finalNewline: boolean): string {
  if (lines.length === 0) return '';
  return lines.join('\n') + (finalNewline ? '\n' : '');
}

/**
 * Sets keys (in `section` of an INI file, or anywhere in the others) and marks
 * each with a comment line above it. A key already there keeps its place and
 * its spacing around the separator; a missing one is added at the end of its
 * section (or of the file); a missing section is added at the end.
 */
export function namedKeys(opts: { path: string; mode: number; format: KeyFormat; section?: string; keys: KeySetting[]; header?: string }): FileEdit {
  const c = comment(opts.format);
  const marker = `${c} ${MARK}`;

  function apply(current: string | null): string {
    const { lines, finalNewline } = split(current ?? '');
    if (current === null && opts.header) lines.push(...opts.header.replace(/\n$/, '').split('\n'));
    for (const setting of opts.keys) {
      let span = region(lines, opts.section);
      const at = span ? findKey(lines, span, setting.key, opts.format) : -1;
      const marked = at > 0 && lines[at - 1] === marker;
      if (setting.value === null) {
        if (marked) lines.splice(at - 1, 2);
        continue;
      }
      if (at >= 0) {
        const [prefix, old] = matchKey(lines[at], setting.key, opts.format)!;
        const value = typeof setting.value === 'function' ? setting.value(old) : setting.value;
        lines[at] = prefix + value;
        if (!marked) lines.splice(at, 0, marker);
        continue;
      }
      const value = typeof setting.value === 'function' ? setting.value(null) : setting.value;
      const sep = opts.format === 'xresources' ? ':\t' : '=';
      const entry = [marker, `${setting.key}${sep}${value}`];
      if (!span) {
        if (lines.length > 0 && lines[lines.length - 1].trim() !== '') lines.push('');
        lines.push(`[${opts.section}]`);
        span = { start: lines.length, end: lines.length };
      }
      // after the last non-blank line of the region, so blank separators stay where they were
      let insert = span.end;
      while (insert > span.start && lines[insert - 1].trim() === '') insert--;
      lines.splice(insert, 0, ...entry);
    }
    return join(lines, current === null ? true : finalNewline);
  }

  return {
    kind: 'edit',
    path: opts.path,
    mode: opts.mode,
    edit: apply,
    owned(current) {
      if (current === null) return null;
      const { lines } = split(current);
      const span = region(lines, opts.section);
      if (!span) return null;
      const parts: string[] = [];
      for (const setting of opts.keys) {
        const at = findKey(lines, span, setting.key, opts.format);
        if (at > 0 && lines[at - 1] === marker) parts.push(`${lines[at - 1]}\n${lines[at]}\n`);
      }
      return parts.length ? parts.join('') : null;
    },
  };
}

/**
 * The value of a shell variable holding command-line options (conf.d files:
 * SYSLOGD="-m 0 -s", OPTS_RPC_MOUNTD="-p 32767"): drops every option ltsp-ts
 * owns, with its argument, keeps the others in order, and appends `add`.
 * The result is double-quoted. Applying it twice gives the same text.
 */
export function shellOptions(current: string | null, owned: { flag: string; arg: boolean }[], add: string[]): string {
  let text = (current ?? '').trim();
  if (text.length >= 2 && (text[0] === '"' || text[0] === "'") && text.endsWith(text[0])) text = text.slice(1, -1);
  const tokens = text.split(/[ \t]+/).filter((t) => t !== '');
  const kept: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const own = owned.find((o) => t === o.flag || (o.arg && (t.startsWith(`${o.flag}=`) || (!o.flag.startsWith('--') && t.startsWith(o.flag) && t.length > o.flag.length))));
    if (!own) {
      kept.push(t);
      continue;
    }
    if (own.arg && t === own.flag) i++; // the argument is the next word
  }
  return `"${[...kept, ...add].join(' ')}"`;
}
