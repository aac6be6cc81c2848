// Reading site.toml: bytes -> TOML -> schema check with defaults (validate.ts) -> the rules
// that span keys (build.ts, rules/) -> Site.
// the string parser alone: the package's index also loads its stream parser (and node:stream)
import parseToml = require('@iarna/toml/parse-string');
import { isUtf8 } from 'node:buffer';
import { SiteError } from '../errors';
import { Reporter } from './reporter';
import { checkSiteValues, snakeValues } from './validate';
import { buildSite } from './build';
import { tftpRootProblem, TFTP_ROOT_RULE } from './path-rules';
import { prescan } from './prescan';
import { sha256 } from '../system/sha256';
import type { Site } from './types';

export interface LoadedSite {
  site: Site;
  /** the schema-checked tables with defaults, for `get` */
  values: Record<string, unknown>;
}

function fail(file: string, line: number, col: number, problem: string, expected: string, key = ''): never {
  throw new SiteError([{ file, position: { line, col }, key, problem, expected }]);
}

/** Site.source: the file's path and name (see Site), and its sha256 (hashed on first use: only apply needs it). */
export function siteOrigin(file: string, bytes: Buffer, name = file): Site['source'] {
  let hash: string | undefined;
  return {
    file,
    name,
    get sha256(): string {
      hash ??= sha256(bytes);
      return hash;
    },
  };
}

/**
 * Parses and validates site.toml text; `file` names it in messages, `name` (default: file) in
 * the headers of generated files. `realPath`
 * tells where a directory really leads on the configured system (null: absent),
 * so that a TFTP root reached through a symlink is judged by what it is. Throws SiteError.
 */
export function parseSite(text: Buffer | string, file: string, realPath?: (p: string) => string | null, name = file): LoadedSite {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  if (bytes.includes(0)) fail(file, 1, 1, 'the file contains NUL bytes', 'expected a UTF-8 text file in TOML');
  // checked in place: encoding the text again to compare held a second copy of the file
  if (!isUtf8(bytes)) fail(file, 1, 1, 'the file is not valid UTF-8', 'expected a UTF-8 text file in TOML');
  // what some editors put first; TOML has no place for it, and the parser's word was "Unknown character 65279"
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) fail(file, 1, 1, 'the file begins with a byte order mark (U+FEFF)', 'expected UTF-8 without one (save the file without BOM)');
  const source = bytes.toString('utf8');
  if (source.trim() === '') fail(file, 1, 1, 'the file is empty', 'expected at least [server] and [network] (see examples/wiki-sample.toml)');

  const over = prescan(source);
  if (over) fail(file, over.line, over.col, over.problem, over.expected, over.key);

  let parsed: Record<string, unknown>;
  try {
    parsed = parseToml(source) as Record<string, unknown>;
  } catch (e) {
    const err = e as { line?: number; col?: number; message: string };
    const first = err.message.split('\n')[0].replace(/ at row \d+, col \d+, pos \d+:?$/, '');
    fail(file, (err.line ?? 0) + 1, (err.col ?? 0) + 1, `TOML syntax error: ${first}`, 'expected valid TOML (https://toml.io)');
  }

  const r = new Reporter(file, source);
  // one walk checks the schema and names the keys as the rules and targets want them
  const checked = checkSiteValues(r, parsed);
  if (r.problems.length) throw new SiteError(r.problems);
  const site = buildSite(r, checked, siteOrigin(file, bytes, name));
  const real = realPath?.(site.tftp.root);
  if (!r.problems.length && real && real !== site.tftp.root) {
    const danger = tftpRootProblem(real);
    if (danger) r.report('tftp.root', `${site.tftp.root} leads to ${real}: ${danger} (its whole tree would be given to ${site.tftp.user})`, `expected ${TFTP_ROOT_RULE}`);
  }
  if (r.problems.length) throw new SiteError(r.problems.sort((a, b) => a.position.line - b.position.line));
  // `get` alone reads the tables with site.toml's own key names: made when asked, once
  let values: Record<string, unknown> | undefined;
  return {
    site,
    get values() {
      values ??= snakeValues(checked);
      return values;
    },
  };
}
