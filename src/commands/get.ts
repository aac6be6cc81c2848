// get KEY: one value of site.toml, defaults applied, for shell scripts.
// get --shell KEY|TABLE...: shell assignments of many values from one read of the site (services).
import { siteSchema, type TableSpec } from '../site/schema';
import { nearest } from '../suggest';
import { Problem, UsageError } from '../errors';
import type { LoadedSite } from '../site/load';
import { keptOrMade, loadSite, makeContext, type Context } from './context';
import { plainAnswer, shellLine, type PlainAnswers, type PlainGet } from '../get-fast';
import { writeStdout } from './output';

/** Keys whose default depends on another key: answered from the validated site. */
const DERIVED: Record<string, (l: LoadedSite) => unknown> = {
  'tftp.address': (l) => l.site.tftp.address,
  'http.address': (l) => l.site.http?.address ?? l.site.server.address,
  'network.log_servers': (l) => l.site.network.logServers,
};

function format(value: unknown): string {
  if (Array.isArray(value)) return value.map(format).join(' ');
  return String(value);
}

/** Every key path of the schema, for completion and the man page ("group[].host[].mac"). */
export function schemaKeys(spec: TableSpec = siteSchema, prefix = ''): string[] {
  const join = (k: string) => (prefix ? `${prefix}.${k}` : k);
  return [
    ...Object.keys(spec.keys).map(join),
    ...Object.entries(spec.tables ?? {}).flatMap(([k, t]) => schemaKeys(t, join(k))),
    ...Object.entries(spec.arrays ?? {}).flatMap(([k, t]) => schemaKeys(t, `${join(k)}[]`)),
  ];
}

/** What `get` answers from: the schema-checked tables and the keys derived from the validated site. */
export interface GetAnswers {
  values: Record<string, unknown>;
  /** `get` output of the keys whose value comes from the validated site (tftp.address, ...) */
  derived: Record<string, string>;
}

/** What `get` answers from a validated site: its schema-checked tables and the derived keys. */
export function answersOf(loaded: LoadedSite): GetAnswers {
  const derived: Record<string, string> = {};
  for (const [key, of] of Object.entries(DERIVED)) derived[key] = format(of(loaded));
  return { values: loaded.values, derived };
}

/**
 * What `get` keeps for an unchanged site file (and the launcher answers from alone): the output of
 * every key of the schema's plain tables, valueOf's own, and the keys of each table.
 */
export function plainAnswersOf(loaded: LoadedSite): PlainAnswers {
  const answers = answersOf(loaded);
  const leaves: Record<string, string> = {};
  const tables: Record<string, string[]> = {};
  const walk = (spec: TableSpec, prefix: string) => {
    const keys = Object.keys(spec.keys).map((k) => `${prefix}.${k}`);
    if (keys.length) tables[prefix] = keys;
    for (const key of keys) {
      try {
        leaves[key] = valueOf(answers, key);
      } catch {
        // a mistake (a table where a key was expected...): the full path says what it is
      }
    }
    for (const [k, t] of Object.entries(spec.tables ?? {})) walk(t, `${prefix}.${k}`);
  };
  for (const [k, t] of Object.entries(siteSchema.tables ?? {})) walk(t, k);
  for (const key of Object.keys(DERIVED)) leaves[key] = answers.derived[key];
  return { leaves, tables };
}

/**
 * Runs a plain `get KEY` or `get --shell KEY...` command line (src/get-fast.ts); returns the exit
 * code. Under the launcher, the plain answers are kept for the next run on an unchanged site file,
 * which the launcher then answers alone; other keys (group[N]..., lts.*) and mistakes are answered
 * from the site itself.
 */
export function runPlainGet({ opts, keys, shell }: PlainGet): number {
  const ctx = makeContext(opts);
  let loaded: LoadedSite | undefined;
  const plain = keptOrMade(ctx, 'get', (l) => plainAnswersOf((loaded = l)));
  const text = plainAnswer(plain, keys, shell);
  if (text !== null) {
    writeStdout(text);
    return 0;
  }
  const answers = answersOf(loaded ?? loadSite(ctx));
  writeStdout((shell ? shellAssignments(answers, keys) : valueOf(answers, keys[0])) + '\n');
  return 0;
}

/** Prints the value of KEY, arrays space-separated; an unset optional key prints an empty line. */
export function runGet(ctx: Context, key: string): number {
  writeStdout(valueOf(answersOf(loadSite(ctx)), key) + '\n');
  return 0;
}

function valueOf(answers: GetAnswers, key: string): string {
  if (Object.hasOwn(DERIVED, key)) return answers.derived[key];
  let node: unknown = answers.values;
  let at = '';
  for (const part of key.split('.')) {
    const m = /^([A-Za-z0-9_-]+)(?:\[(\d+)\])?$/.exec(part);
    if (!m || typeof node !== 'object' || node === null || Array.isArray(node)) throw unknown(key);
    // own keys only: `get server.constructor` is an unknown key, not Object's constructor
    node = Object.hasOwn(node, m[1]) ? (node as Record<string, unknown>)[m[1]] : undefined;
    if (m[2] !== undefined) {
      if (!Array.isArray(node)) throw unknown(key);
      // an index past the end is no unset key: a script must not take it for an empty value
      const n = Number(m[2]);
      // exit 2 for an index that cannot be (they count from 1), 1 for one this site does not have
      if (n < 1) throw new UsageError(`get: ${key}: indexes count from 1; expected ${m[1]}[1] for the first`);
      if (n > node.length) {
        const array = at ? `${at.replace(/\[\d+\]/g, '')}.${m[1]}` : m[1];
        throw new Problem(`get: ${key}: ${at || 'site.toml'} has ${node.length} [[${array}]] table(s); expected ${node.length ? `an index from 1 to ${node.length}` : 'none'} in ${m[0]}`);
      }
      node = node[n - 1];
    }
    at = at ? `${at}.${part}` : part;
    if (node === undefined) {
      // a known optional key that is unset prints nothing; an unknown key is an error
      if (schemaKeys().includes(key.replace(/\[\d+\]/g, '[]'))) return '';
      if (/^lts\./.test(key)) return '';
      throw unknown(key);
    }
  }
  if (typeof node === 'object' && node !== null && !Array.isArray(node)) throw new UsageError(`get: ${key} is a table; expected one of its keys: ${Object.keys(node).map((k) => `${key}.${k}`).join(', ')}`);
  if (Array.isArray(node) && node.some((v) => typeof v === 'object')) throw new UsageError(`get: ${key} is an array of tables; expected ${key}[N].KEY (N from 1)`);
  return format(node);
}

function unknown(key: string): UsageError {
  const keys = schemaKeys();
  const guess = nearest(key, keys);
  return new UsageError(`get: unknown key "${key}"; ${guess ? `did you mean "${guess}"?` : 'see ltspcfg-ts(8) for the keys'}`);
}

/** The schema table at a dotted path of plain tables (tftp, dhcp, server...), if it is one. */
function tableAt(path: string): TableSpec | undefined {
  let spec: TableSpec | undefined = siteSchema;
  // own keys only: `get --shell __proto__` names no table (Object.prototype has no keys to list)
  for (const part of path.split('.')) spec = spec?.tables && Object.hasOwn(spec.tables, part) ? spec.tables[part] : undefined;
  return spec;
}

/** Prints `tftp_root='/tftpboot'` lines for KEYs and TABLEs from one read of the site (shellAssignments). */
export function runGetShell(ctx: Context, keys: string[]): number {
  process.stdout.write(shellAssignments(answersOf(loadSite(ctx)), keys) + '\n');
  return 0;
}

/**
 * `tftp_root='/tftpboot'` lines, one per key: a table stands for each of its keys. The names are
 * the keys with every character outside [A-Za-z0-9_] made `_`; the values are those of `get`.
 */
export function shellAssignments(answers: GetAnswers, keys: string[]): string {
  const lines: string[] = [];
  for (const key of keys) {
    const table = tableAt(key);
    const leaves = table ? Object.keys(table.keys).map((k) => `${key}.${k}`) : [key];
    if (table && leaves.length === 0) throw new UsageError(`get --shell: ${key} has no keys of its own; name them`);
    for (const leaf of leaves) lines.push(shellLine(leaf, valueOf(answers, leaf)));
  }
  return lines.join('\n');
}
