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

const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const WORD = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;
/** the longest network interface name Linux makes (IFNAMSIZ, 16, with its NUL) */
const IFNAME_MAX = 15;
/** the longest boot menu label dnsmasq's PXE menu carries (measured with dnsmasq 2.90) */
const MENU_LABEL_MAX = 239;

/** The rates 115200 divides: pxelinux's SERIAL and the kernel's console= set each of them exactly. */
const SERIAL_RATES = [300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200];

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
      return WORD.test(value) ? { value } : bad(`"${value}" is not a plain name`);
    case 'interface':
      if (!WORD.test(value)) return bad(`"${value}" is not a plain name`);
      // IFNAMSIZ is 16 with the NUL: the kernel makes no longer name, nft and iptables refuse one
      if (value.length > IFNAME_MAX) return bad(`"${value}" is ${value.length} characters long, and Linux names a network interface in at most ${IFNAME_MAX}`);
      return { value };
    case 'mount-options':
      return /^[A-Za-z0-9_.=:-]+(,[A-Za-z0-9_.=:-]+)*$/.test(value) ? { value } : bad(`"${value}" is not a list of mount options`);
    case 'kernel-args':
      return /^([A-Za-z0-9_.,:=/+@-]+( [A-Za-z0-9_.,:=/+@-]+)*)?$/.test(value)
        ? { value }
        : bad(`"${value}" is not a list of kernel parameters`);
    case 'text':
    case 'menu-label': {
      if (unsafe) return bad(`${describeChar(unsafe[0])} is not allowed`);
      if (value.trim() !== value || value === '') return bad(`"${value}" is empty or has spaces at either end`);
      if (kind === 'menu-label') {
        // the iPXE script prints it as `menu TITLE` and `item ltsp TITLE`: iPXE splits a command
        // line at white space, ends a command at a word "&&" (";" and "||" are refused above), and
        // reads a first word starting with "-" as an option of `menu`
        if (value.startsWith('-')) return bad(`"${value}" starts with a hyphen, which iPXE's menu command reads as an option`);
        if (value.split(/\s+/).includes('&&')) return bad(`"&&" as a word ends an iPXE command: the rest of "${value}" would run as a command of its own`);
        // dnsmasq (dhcp.mode = "proxy") puts it in the PXE menu of option 43, 255 bytes with the
        // rest of that option: with a longer label it sends the client no boot file at all
        const bytes = Buffer.byteLength(value);
        if (bytes > MENU_LABEL_MAX) return bad(`the label is ${bytes} bytes long, and dnsmasq's PXE menu holds at most ${MENU_LABEL_MAX} (with a longer one it sends no boot file)`);
      }
      return { value };
    }
    case 'hex':
      return /^0x[0-9A-Fa-f]{1,8}$/.test(value) ? { value: value.toLowerCase() } : bad(`"${value}" is not a hexadecimal number`);
    case 'serial': {
      const m = /^ttyS(?:0|[1-9][0-9]?)(?:,([0-9]+)(?:n8)?)?$/.exec(value);
      if (!m) return bad(`"${value}" is not a serial console`);
      // pxelinux sets its divisor as 115200 / rate, truncated: another rate would not be the kernel's
      if (m[1] !== undefined && !SERIAL_RATES.includes(Number(m[1]))) return bad(`${m[1]} is not a serial rate pxelinux and the kernel both set`);
      return { value };
    }
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
    case 'interface': return `expected a network interface name like eth0: letters, digits, dot, underscore and hyphen, at most ${IFNAME_MAX} characters`;
    case 'mount-options': return 'expected comma-separated options like nolock,ro,wsize=2048';
    case 'kernel-args': return 'expected space-separated parameters like quiet vga=791';
    case 'text': return 'expected printable text without quotes, braces, brackets, semicolons, backslashes, $ or #';
    case 'menu-label': return `expected printable text of at most ${MENU_LABEL_MAX} bytes without quotes, braces, brackets, semicolons, backslashes, $ or #, not starting with "-" and without "&&" as a word`;
    case 'hex': return 'expected a hexadecimal number like 0x300';
    case 'serial': return `expected a serial console like ttyS0,115200 or ttyS1,9600n8 (rates: ${SERIAL_RATES.join(', ')})`;
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

/**
 * Where a table stands in site.toml ("group[2].host[7]"), made into a string only for a
 * message: at 2,000 hosts, key paths made for every value were most of the walk's garbage.
 */
class Where {
  constructor(
    private readonly parent: Where | null,
    private readonly key: string,
    /** 1-based index in an array of tables, 0 for none */
    private readonly index = 0,
  ) {}

  toString(): string {
    const at = this.parent ? joinKey(this.parent.toString(), this.key) : this.key;
    return this.index ? `${at}[${this.index}]` : at;
  }
}

const joinKey = (path: string, key: string): string => (path ? `${path}.${key}` : key);
const pathOf = (where: Where | null): string => (where ? where.toString() : '');

/** A TableSpec made ready for the walk, once per spec: its keys by name, with their camelCase names. */
interface Walker {
  spec: TableSpec;
  entries: Map<string, Entry>;
  /** camelCase name -> entry, to give `get` the keys as site.toml spells them (snakeTable) */
  byCamel: Map<string, Entry>;
  /** the spec's keys that are required or have a default, in its order */
  needed: KeyEntry[];
  /** the spec's tables and arrays of tables, in its order */
  tables: TableEntry[];
  arrays: TableEntry[];
  /** free-form tables and keys (lts.conf): a table without a prototype, keys as they are */
  free: boolean;
  anyTable?: Walker;
}

interface KeyEntry {
  kind: 'key';
  name: string;
  camel: string;
  spec: KeySpec;
}
interface TableEntry {
  kind: 'table' | 'array';
  name: string;
  camel: string;
  walker: Walker;
}
type Entry = KeyEntry | TableEntry;

const camelCase = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const walkers = new Map<TableSpec, Walker>();

function walkerOf(spec: TableSpec): Walker {
  const known = walkers.get(spec);
  if (known) return known;
  const entries = new Map<string, Entry>();
  const byCamel = new Map<string, Entry>();
  const walker: Walker = { spec, entries, byCamel, needed: [], tables: [], arrays: [], free: !!(spec.anyKey || spec.anyTable) };
  walkers.set(spec, walker);
  const add = <E extends Entry>(list: E[], e: E) => {
    list.push(e);
    // the first of a name wins, as the walk looked in keys, then tables, then arrays
    if (!entries.has(e.name)) entries.set(e.name, e);
    if (!byCamel.has(e.camel)) byCamel.set(e.camel, e);
  };
  for (const [name, keySpec] of Object.entries(spec.keys)) {
    const e: KeyEntry = { kind: 'key', name, camel: camelCase(name), spec: keySpec };
    add(keySpec.required || keySpec.default !== undefined ? walker.needed : [], e);
  }
  for (const [name, sub] of Object.entries(spec.tables ?? {})) add(walker.tables, { kind: 'table', name, camel: camelCase(name), walker: walkerOf(sub) });
  for (const [name, sub] of Object.entries(spec.arrays ?? {})) add(walker.arrays, { kind: 'array', name, camel: camelCase(name), walker: walkerOf(sub) });
  if (spec.anyTable) walker.anyTable = walkerOf(spec.anyTable);
  return walker;
}

/**
 * A string of a kind, when it is plainly fine: the value itself, already in its normal form
 * (the checks of checkString for the kinds most keys have, without the objects it returns).
 * undefined: checkString decides, and says why.
 */
export function plainlyFine(kind: StringKind, value: string): string | undefined {
  switch (kind) {
    case 'label':
      // the alphabet of a label holds no UNSAFE character
      return LABEL.test(value) ? value : undefined;
    case 'ipv4':
      // no leading zeros, every part <= 255: formatIPv4 would give back the same text
      return parseIPv4(value) !== null ? value : undefined;
    case 'mac': {
      if (!PLAIN_MAC.test(value)) return undefined;
      if (value === '00:00:00:00:00:00' || value === 'ff:ff:ff:ff:ff:ff' || parseInt(value.slice(0, 2), 16) & 1) return undefined;
      return value;
    }
    case 'word':
      return WORD.test(value) ? value : undefined;
    default:
      return undefined;
  }
}
/** The value of a key when it is plainly fine (see plainlyFine), else undefined: checkValue decides. */
function plainValue(spec: KeySpec, value: unknown): unknown {
  switch (spec.type) {
    case 'string':
      return typeof value === 'string' ? plainlyFine(spec.of!, value) : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'integer':
      return Number.isInteger(value) && (spec.min === undefined || (value as number) >= spec.min) && (spec.max === undefined || (value as number) <= spec.max) ? value : undefined;
    default:
      return undefined;
  }
}
const PLAIN_MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;

/**
 * Checks one value against its spec; returns the normalised value, or undefined after reporting.
 * `at` names the key, for a message only.
 */
function checkValue(r: Reporter, at: () => string, spec: KeySpec, value: unknown): unknown {
  const fail = (problem: string, expected: string) => {
    r.report(at(), problem, expected);
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
      const plain = plainlyFine(spec.of!, value);
      if (plain !== undefined) return plain;
      const c = checkString(spec.of!, value);
      return 'value' in c ? c.value : fail(c.problem, c.expected);
    }
    case 'array': {
      if (!Array.isArray(value)) return fail(`${typeName(value)} is not an array`, `expected an array like [${spec.of === 'port' ? '1, 2' : '"…"'}]`);
      if (spec.length !== undefined && value.length !== spec.length) return fail(`the array has ${value.length} item(s)`, `expected exactly ${spec.length}`);
      const out: unknown[] = [];
      value.forEach((item, i) => {
        const itemAt = () => `${at()}[${i + 1}]`;
        if (spec.of === 'port') {
          const v = checkValue(r, itemAt, PORT_ITEM, item);
          if (v !== undefined) out.push(v);
          return;
        }
        if (typeof item !== 'string') {
          r.report(itemAt(), `${typeName(item)} is not a string`, expectedFor(spec.of!), at());
          return;
        }
        const plain = plainlyFine(spec.of!, item);
        if (plain !== undefined) {
          out.push(plain);
          return;
        }
        const c = checkString(spec.of!, item);
        if ('value' in c) out.push(c.value);
        else r.report(itemAt(), c.problem, c.expected, at());
      });
      return out.length === value.length ? out : undefined;
    }
  }
}
const PORT_ITEM: KeySpec = { type: 'integer', min: 1, max: 65535, doc: '' };

const isTable = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

/**
 * Walks a table against its spec: reports unknown keys (with the nearest known one),
 * wrong types and missing required keys, and returns the table with defaults applied,
 * its keys in camelCase when `camel` (free-form keys keep theirs). One walk does
 * both: the schema check and the names the rules and targets use.
 */
function checkTable(r: Reporter, where: Where | null, w: Walker, raw: unknown, camel: boolean): Table {
  const { spec } = w;
  // A table of free-form keys (lts.conf's) has no prototype: a key named __proto__ or constructor is
  // data, never Object's. Any other table gets only its spec's keys, and stays a plain object: V8 keeps
  // a prototype-less one as a hash table, several times the size (at 20,000 hosts, megabytes).
  const out: Table = w.free ? (Object.create(null) as Table) : {};
  if (raw !== undefined && !isTable(raw)) {
    const path = pathOf(where);
    r.report(path, `${typeName(raw)} is not a table`, `expected a [${path}] table`);
    raw = {};
  }
  const table = (raw ?? {}) as Table;
  const at = (k: string) => () => joinKey(pathOf(where), k);

  for (const k of Object.keys(table)) {
    const v = table[k];
    const e = w.entries.get(k);
    const name = e && camel ? e.camel : k;
    if (e?.kind === 'key') {
      // a plainly fine string, boolean or integer without the closures that only a message needs
      const val = plainValue(e.spec, v) ?? checkValue(r, at(k), e.spec, v);
      if (val !== undefined) out[name] = val;
    } else if (e?.kind === 'table') {
      out[name] = checkTable(r, new Where(where, k), e.walker, v, camel);
    } else if (e?.kind === 'array') {
      if (!Array.isArray(v)) {
        const path = joinKey(pathOf(where), k);
        r.report(path, `${typeName(v)} is not an array of tables`, `expected [[${path}]] entries`);
        continue;
      }
      const items: Table[] = new Array<Table>(v.length);
      for (let i = 0; i < v.length; i++) items[i] = checkTable(r, new Where(where, k, i + 1), e.walker, v[i], camel);
      out[name] = items;
    } else if (w.anyTable && isTable(v)) {
      out[k] = checkTable(r, new Where(where, k), w.anyTable, v, camel);
    } else if (spec.anyKey) {
      out[k] = v; // free-form keys (lts.conf) are checked by their owner below
    } else {
      const keys = [...Object.keys(spec.keys), ...Object.keys(spec.tables ?? {}), ...Object.keys(spec.arrays ?? {})];
      const guess = nearest(k, keys);
      r.report(at(k)(), 'unknown key', guess ? `did you mean "${guess}"? valid keys: ${keys.join(', ')}` : `valid keys here: ${keys.join(', ') || '(none)'}`);
    }
  }
  for (const e of w.needed) {
    if (Object.hasOwn(table, e.name)) continue;
    if (e.spec.required) r.report(at(e.name)(), 'missing', `expected ${e.spec.doc}`, pathOf(where));
    else if (e.spec.default !== undefined) out[camel ? e.camel : e.name] = e.spec.default;
  }
  for (const e of w.tables) {
    const name = camel ? e.camel : e.name;
    if (!Object.hasOwn(out, name)) out[name] = checkTable(r, new Where(where, e.name), e.walker, undefined, camel);
  }
  for (const e of w.arrays) {
    const name = camel ? e.camel : e.name;
    if (!Object.hasOwn(out, name)) out[name] = [];
  }
  return out;
}

/** Schema check and defaults, keys as site.toml spells them: what `get` answers from. */
export function checkAgainstSchema(r: Reporter, parsed: Table): Table {
  return checkTable(r, null, walkerOf(siteSchema), parsed, false);
}

/** Schema check and defaults, keys in camelCase as SiteValues says (free-form tables keep theirs): what the rules start from. */
export function checkSiteValues(r: Reporter, parsed: Table): SiteValues {
  return checkTable(r, null, walkerOf(siteSchema), parsed, true) as SiteValues;
}

/** The values of checkSiteValues with the keys as site.toml spells them (what checkAgainstSchema gives), for `get`. */
export function snakeValues(values: SiteValues): Table {
  return snakeTable(walkerOf(siteSchema), values as unknown as Table);
}

function snakeTable(w: Walker, table: Table): Table {
  const out: Table = w.free ? (Object.create(null) as Table) : {};
  for (const k of Object.keys(table)) {
    const v = table[k];
    // free-form keys and tables (lts.conf's) kept their names; a free table has no keys of its own here
    const e = w.free ? undefined : w.byCamel.get(k);
    if (!e) out[k] = v;
    else if (e.kind === 'key') out[e.name] = v;
    else if (e.kind === 'table') out[e.name] = snakeTable(e.walker, v as Table);
    else out[e.name] = (v as Table[]).map((t) => snakeTable(e.walker, t));
  }
  return out;
}
