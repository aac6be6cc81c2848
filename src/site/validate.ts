// The schema check of a parsed site.toml: every key known, of its type and kind,
// defaults applied. Rules that span keys come after it, in src/site/rules/.
import { posix } from 'node:path';
import { nearest } from '../suggest';
import type { Reporter } from './reporter';
import { siteSchema, type KeySpec, type StringKind, type TableSpec } from './schema';
import type { SiteValues } from './types';
import { formatIPv4, maskOf, parseCidr, parseIPv4 } from './ipv4';
import { describeChar, PATH_CHARS, PATH_CHARS_DOC } from './chars';

type Table = Record<string, unknown>;

// Characters that would end a value early or open a block in some target's syntax.
const UNSAFE = /["'`{}[\];\\$#<>|\x00-\x1f\x7f]/;

/** Own keys only: a key named like an Object member (constructor, __proto__) is just a name. */
const own = <T>(table: Record<string, T> | undefined, key: string): T | undefined => (table && Object.hasOwn(table, key) ? table[key] : undefined);

const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Checks one string of a given kind; returns the normalised value or an error pair. */
export function checkString(kind: StringKind, value: string): { value: string } | { problem: string; expected: string } {
  const unsafe = UNSAFE.exec(value);
  if (unsafe && kind !== 'text') {
    // every kind but free text has a strict alphabet below; name the offending character first
    return { problem: `${describeChar(unsafe[0])} is not allowed`, expected: expectedFor(kind) };
  }
  const bad = (problem: string) => ({ problem, expected: expectedFor(kind) });
  switch (kind) {
    case 'ipv4': {
      const n = parseIPv4(value);
      return n === null ? bad(`"${value}" is not an IPv4 address`) : { value: formatIPv4(n) };
    }
    case 'cidr': {
      const c = parseCidr(value);
      if (!c) return bad(`"${value}" is not a subnet`);
      if (c.prefix < 8 || c.prefix > 30) return bad(`prefix /${c.prefix} is out of range`);
      const net = (c.network & maskOf(c.prefix)) >>> 0;
      if (net !== c.network) return bad(`"${value}" has host bits set (the network is ${formatIPv4(net)}/${c.prefix})`);
      return { value: `${formatIPv4(net)}/${c.prefix}` };
    }
    case 'mac': {
      const m = /^([0-9A-Fa-f]{2})([:-])([0-9A-Fa-f]{2})\2([0-9A-Fa-f]{2})\2([0-9A-Fa-f]{2})\2([0-9A-Fa-f]{2})\2([0-9A-Fa-f]{2})$/.exec(value);
      if (!m) return bad(`"${value}" is not a MAC address`);
      const octets = [m[1], m[3], m[4], m[5], m[6], m[7]].map((o) => o.toLowerCase());
      if (octets.every((o) => o === '00') || octets.every((o) => o === 'ff')) return bad(`"${value}" is not a usable MAC address`);
      if (parseInt(octets[0], 16) & 1) return bad(`"${value}" is a multicast address`);
      return { value: octets.join(':') };
    }
    case 'label':
      return LABEL.test(value) ? { value } : bad(`"${value}" is not a valid host name`);
    case 'hostname':
    case 'domain': {
      const ok = value.length <= 253 && value.split('.').every((l) => LABEL.test(l));
      return ok ? { value: value.toLowerCase() } : bad(`"${value}" is not a valid ${kind === 'domain' ? 'domain' : 'host'} name`);
    }
    case 'path':
    case 'boot-path': {
      let p = value;
      if (kind === 'boot-path' && !p.startsWith('/')) p = '/' + p;
      if (!p.startsWith('/')) return bad(`"${value}" is a relative path`);
      const stray = [...p].find((c) => !PATH_CHARS.test(c));
      if (stray !== undefined) return bad(`${describeChar(stray)} is not allowed in a path`);
      if (p.split('/').includes('..')) return bad(`"${value}" contains ".."`);
      p = posix.normalize(p);
      if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
      if (kind === 'boot-path' && p === '/') return bad(`"${value}" names the TFTP root itself`);
      return { value: p };
    }
    case 'word':
      return /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/.test(value) ? { value } : bad(`"${value}" is not a plain name`);
    case 'mount-options':
      return /^[A-Za-z0-9_.=:-]+(,[A-Za-z0-9_.=:-]+)*$/.test(value) ? { value } : bad(`"${value}" is not a list of mount options`);
    case 'kernel-args':
      return /^([A-Za-z0-9_.,:=/+@-]+( [A-Za-z0-9_.,:=/+@-]+)*)?$/.test(value)
        ? { value }
        : bad(`"${value}" is not a list of kernel parameters`);
    case 'text': {
      if (unsafe) return bad(`${describeChar(unsafe[0])} is not allowed`);
      if (value.trim() !== value || value === '') return bad(`"${value}" is empty or has spaces at either end`);
      return { value };
    }
    case 'hex':
      return /^0x[0-9A-Fa-f]{1,8}$/.test(value) ? { value: value.toLowerCase() } : bad(`"${value}" is not a hexadecimal number`);
    case 'serial':
      return /^ttyS[0-9]{1,2}(,[0-9]{3,7}(n8)?)?$/.test(value) ? { value } : bad(`"${value}" is not a serial console`);
    case 'port':
      return bad('a string is not a port');
  }
}

function expectedFor(kind: StringKind): string {
  switch (kind) {
    case 'ipv4': return 'expected an IPv4 address like 192.168.0.254';
    case 'cidr': return 'expected a subnet like 192.168.0.0/24 (prefix /8 to /30)';
    case 'mac': return 'expected a unicast MAC address like 00:60:08:5c:cb:be';
    case 'label': return 'expected letters, digits and inner hyphens, at most 63 characters';
    case 'hostname': return 'expected a host name like ws101 or ws101.example.org';
    case 'domain': return 'expected a domain name like ltsp.example.org';
    case 'path': return `expected an absolute path of ${PATH_CHARS_DOC}`;
    case 'boot-path': return `expected a path inside the TFTP root like /pxelinux.0, of ${PATH_CHARS_DOC}`;
    case 'word': return 'expected letters, digits, dot, underscore and hyphen';
    case 'mount-options': return 'expected comma-separated options like nolock,ro,wsize=2048';
    case 'kernel-args': return 'expected space-separated parameters like quiet vga=791';
    case 'text': return 'expected printable text without quotes, braces, brackets, semicolons, backslashes, $ or #';
    case 'hex': return 'expected a hexadecimal number like 0x300';
    case 'serial': return 'expected a serial console like ttyS0,115200';
    case 'port': return 'expected a port number from 1 to 65535';
  }
}

export function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a date';
  if (v === null) return 'nothing';
  if (typeof v === 'object') return 'a table';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a float';
  return `a ${typeof v}`;
}

/** Checks one value against its spec; returns the normalised value, or undefined after reporting. */
function checkValue(r: Reporter, path: string, spec: KeySpec, value: unknown): unknown {
  const fail = (problem: string, expected: string) => {
    r.report(path, problem, expected);
    return undefined;
  };
  switch (spec.type) {
    case 'boolean':
      return typeof value === 'boolean' ? value : fail(`${typeName(value)} is not a boolean`, 'expected true or false');
    case 'integer': {
      if (typeof value !== 'number' || !Number.isInteger(value)) return fail(`${typeName(value)} is not an integer`, `expected a whole number from ${spec.min} to ${spec.max}`);
      if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max))
        return fail(`${value} is out of range`, `expected a whole number from ${spec.min} to ${spec.max}`);
      return value;
    }
    case 'enum':
      return typeof value === 'string' && spec.values!.includes(value)
        ? value
        : fail(`${typeof value === 'string' ? `"${value}"` : typeName(value)} is not a valid choice`, `expected one of ${spec.values!.join(', ')}`);
    case 'string': {
      if (typeof value !== 'string') return fail(`${typeName(value)} is not a string`, `expected a quoted string: ${expectedFor(spec.of!).replace(/^expected /, '')}`);
      const c = checkString(spec.of!, value);
      return 'value' in c ? c.value : fail(c.problem, c.expected);
    }
    case 'array': {
      if (!Array.isArray(value)) return fail(`${typeName(value)} is not an array`, `expected an array like [${spec.of === 'port' ? '1, 2' : '"…"'}]`);
      if (spec.length !== undefined && value.length !== spec.length) return fail(`the array has ${value.length} item(s)`, `expected exactly ${spec.length}`);
      const out: unknown[] = [];
      value.forEach((item, i) => {
        const itemPath = `${path}[${i + 1}]`;
        if (spec.of === 'port') {
          const v = checkValue(r, itemPath, { type: 'integer', min: 1, max: 65535, doc: '' }, item);
          if (v !== undefined) out.push(v);
          return;
        }
        if (typeof item !== 'string') {
          r.report(itemPath, `${typeName(item)} is not a string`, expectedFor(spec.of!), path);
          return;
        }
        const c = checkString(spec.of!, item);
        if ('value' in c) out.push(c.value);
        else r.report(itemPath, c.problem, c.expected, path);
      });
      return out.length === value.length ? out : undefined;
    }
  }
}

/**
 * Walks a table against its spec: reports unknown keys (with the nearest known one),
 * wrong types and missing required keys, and returns the table with defaults applied.
 */
function checkTable(r: Reporter, path: string, spec: TableSpec, raw: unknown): Table {
  // A table of free-form keys (lts.conf's) has no prototype: a key named __proto__ or constructor is
  // data, never Object's. Any other table gets only its spec's keys, and stays a plain object: V8 keeps
  // a prototype-less one as a hash table, several times the size (at 20,000 hosts, megabytes).
  const out: Table = spec.anyKey || spec.anyTable ? (Object.create(null) as Table) : {};
  if (raw !== undefined && (typeof raw !== 'object' || raw === null || Array.isArray(raw) || raw instanceof Date)) {
    r.report(path, `${typeName(raw)} is not a table`, `expected a [${path}] table`);
    raw = {};
  }
  const table = (raw ?? {}) as Table;
  const known = () => [...Object.keys(spec.keys), ...Object.keys(spec.tables ?? {}), ...Object.keys(spec.arrays ?? {})];
  const join = (k: string) => (path ? `${path}.${k}` : k);

  for (const [k, v] of Object.entries(table)) {
    const at = join(k);
    const keySpec = own(spec.keys, k);
    const tableSpec = own(spec.tables, k);
    const arraySpec = own(spec.arrays, k);
    if (keySpec) {
      const val = checkValue(r, at, keySpec, v);
      if (val !== undefined) out[k] = val;
    } else if (tableSpec) {
      out[k] = checkTable(r, at, tableSpec, v);
    } else if (arraySpec) {
      if (!Array.isArray(v)) {
        r.report(at, `${typeName(v)} is not an array of tables`, `expected [[${at}]] entries`);
        continue;
      }
      out[k] = v.map((item, i) => checkTable(r, `${at}[${i + 1}]`, arraySpec, item));
    } else if (spec.anyTable && typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date)) {
      out[k] = checkTable(r, at, spec.anyTable, v);
    } else if (spec.anyKey) {
      out[k] = v; // free-form keys (lts.conf) are checked by their owner below
    } else {
      const keys = known();
      const guess = nearest(k, keys);
      r.report(at, 'unknown key', guess ? `did you mean "${guess}"? valid keys: ${keys.join(', ')}` : `valid keys here: ${keys.join(', ') || '(none)'}`);
    }
  }
  for (const [k, keySpec] of Object.entries(spec.keys)) {
    if (Object.hasOwn(table, k)) continue;
    if (keySpec.required) r.report(join(k), 'missing', `expected ${keySpec.doc}`, path);
    else if (keySpec.default !== undefined) out[k] = keySpec.default;
  }
  for (const k of Object.keys(spec.tables ?? {})) if (!Object.hasOwn(out, k)) out[k] = checkTable(r, join(k), spec.tables![k], undefined);
  for (const k of Object.keys(spec.arrays ?? {})) if (!Object.hasOwn(out, k)) out[k] = [];
  return out;
}

/** Schema check and defaults: the result is what `get` answers from. */
export function checkAgainstSchema(r: Reporter, parsed: Table): Table {
  return checkTable(r, '', siteSchema, parsed);
}

/** The checked values with camelCase keys, as SiteValues says; free-form tables (lts.conf) keep theirs. */
export function camelize(values: Table): SiteValues {
  return camelTable(siteSchema, values) as SiteValues;
}

function camelTable(spec: TableSpec, table: Table): Table {
  const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return Object.fromEntries(
    Object.entries(table).map(([k, v]) => {
      const sub = own(spec.tables, k);
      const each = own(spec.arrays, k);
      const value = sub ? camelTable(sub, v as Table) : each ? (v as Table[]).map((t) => camelTable(each, t)) : v;
      return [own(spec.keys, k) || sub || each ? camel(k) : k, value];
    }),
  );
}
