// get KEY: one value of site.toml, defaults applied, for shell scripts.
// get --shell KEY|TABLE...: shell assignments of many values from one read of the site (services).
import { siteSchema, type TableSpec } from '../site/schema';
import { nearest } from '../suggest';
import { UsageError } from '../errors';
import type { LoadedSite } from '../site/load';
import { keptOrMade, loadSite, makeContext, type Context } from './context';
import type { PlainGet } from '../get-fast';
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
 * Runs a plain `get KEY` or `get --shell KEY...` command line (src/get-fast.ts); returns the exit
 * code. Under the launcher, the answers are kept for the next run on an unchanged site file.
 */
export function runPlainGet({ opts, keys, shell }: PlainGet): number {
  const ctx = makeContext(opts);
  const answers = keptOrMade(ctx, 'get', answersOf);
  if (shell) process.stdout.write(shellAssignments(answers, keys) + '\n');
  else writeStdout(valueOf(answers, keys[0]) + '\n');
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
  for (const part of key.split('.')) {
    const m = /^([A-Za-z0-9_-]+)(?:\[(\d+)\])?$/.exec(part);
    if (!m || typeof node !== 'object' || node === null || Array.isArray(node)) throw unknown(key);
    // own keys only: `get server.constructor` is an unknown key, not Object's constructor
    node = Object.hasOwn(node, m[1]) ? (node as Record<string, unknown>)[m[1]] : undefined;
    if (m[2] !== undefined) {
      if (!Array.isArray(node)) throw unknown(key);
      node = node[Number(m[2]) - 1];
    }
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

/** Single-quoted for sh: nothing inside is expanded, a quote becomes '\'' */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}

/** The schema table at a dotted path of plain tables (tftp, dhcp, server...), if it is one. */
function tableAt(path: string): TableSpec | undefined {
  let spec: TableSpec | undefined = siteSchema;
  for (const part of path.split('.')) spec = spec?.tables?.[part];
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
    for (const leaf of leaves) lines.push(`${leaf.replace(/[^A-Za-z0-9_]/g, '_')}=${shellQuote(valueOf(answers, leaf))}`);
  }
  return lines.join('\n');
}
