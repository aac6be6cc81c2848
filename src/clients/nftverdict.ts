// Whether the nftables ruleset loaded now (`nft -j list ruleset`) drops a new
// UDP packet from a thin client to a port of the server, for the diagnosis of
// a missing XDMCP session. Pure: the parsed JSON in, a reason or null out.
//
// Every base chain on the input hook sees the packet in priority order; an
// accept ends one chain only, a drop or reject ends it all. Only what a rule
// matches on is evaluated that decides this packet (protocol, ports,
// addresses, interface, conntrack state "new", sets); a rule that matches
// anything else and accepts makes the answer "cannot tell" (null), never a
// false claim of a drop.
import { inCidr, ipv4Number, parseCidr } from '../site/ipv4';

export interface Packet {
  saddr: string;
  dport: number;
  iifname: string;
}

type Json = unknown;
type Obj = Record<string, Json>;

const isObj = (v: Json): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Chain {
  family: string;
  table: string;
  name: string;
  hook?: string;
  type?: string;
  prio?: number;
  policy?: string;
  rules: Obj[][];
}

type Verdict = { v: 'accept' | 'drop' | 'return' | 'continue'; why?: string } | { v: 'unknown' };

class Unknown extends Error {}

/** a value of the packet the left side of a match names; Unknown when not modelled */
function valueOf(left: Json, p: Packet): string | number | null {
  if (!isObj(left)) throw new Unknown();
  const payload = left.payload;
  if (isObj(payload)) {
    const { protocol, field } = payload;
    if (protocol === 'udp' && field === 'dport') return p.dport;
    if (protocol === 'udp' && field === 'sport') throw new Unknown();
    if (protocol === 'ip' && field === 'saddr') return p.saddr;
    // another protocol's header: this packet has none, the match fails
    if (protocol === 'tcp' || protocol === 'ip6' || protocol === 'icmp' || protocol === 'icmpv6' || protocol === 'sctp') return null;
    throw new Unknown();
  }
  const meta = left.meta;
  if (isObj(meta)) {
    if (meta.key === 'l4proto') return 'udp';
    if (meta.key === 'iifname' || meta.key === 'iif') return p.iifname;
    if (meta.key === 'nfproto') return 'ipv4';
    throw new Unknown();
  }
  const ct = left.ct;
  if (isObj(ct) && ct.key === 'state') return 'new';
  throw new Unknown();
}

function matchOne(value: string | number, right: Json, sets: (name: string) => Json[] | undefined): boolean {
  if (typeof right === 'number' || typeof right === 'string') {
    if (typeof right === 'string' && right.startsWith('@')) {
      const elems = sets(right.slice(1));
      if (!elems) throw new Unknown();
      return elems.some((e) => matchOne(value, e, sets));
    }
    if (typeof value === 'string' && typeof right === 'string' && right.endsWith('*')) return value.startsWith(right.slice(0, -1));
    return value === right;
  }
  if (Array.isArray(right)) return right.some((r) => matchOne(value, r, sets));
  if (isObj(right)) {
    if (Array.isArray(right.set)) return right.set.some((r) => matchOne(value, r, sets));
    if (Array.isArray(right.range) && typeof value === 'number') return value >= Number(right.range[0]) && value <= Number(right.range[1]);
    if (Array.isArray(right.range) && typeof value === 'string') {
      const n = ipv4Number(value);
      return n >= ipv4Number(String(right.range[0])) && n <= ipv4Number(String(right.range[1]));
    }
    if (isObj(right.prefix) && typeof value === 'string') {
      const c = parseCidr(`${String(right.prefix.addr)}/${String(right.prefix.len)}`);
      if (!c) throw new Unknown();
      return inCidr(ipv4Number(value), c);
    }
    if (isObj(right.elem)) return matchOne(value, right.elem.val, sets);
  }
  throw new Unknown();
}

/** does the rule's match part hold for the packet? */
function matches(exprs: Obj[], p: Packet, sets: (name: string) => Json[] | undefined): boolean {
  for (const x of exprs) {
    const m = x.match;
    if (!isObj(m)) continue;
    const op = m.op ?? '==';
    if (op !== '==' && op !== 'in' && op !== '!=') throw new Unknown();
    const value = valueOf(m.left, p);
    if (value === null) return false;
    const hit = matchOne(value, m.right, sets);
    if (op === '!=' ? hit : !hit) return false;
  }
  return true;
}

function describe(c: Chain): string {
  return `table ${c.family} ${c.table}, chain ${c.name}`;
}

function runChain(c: Chain, chains: Map<string, Chain>, p: Packet, sets: Map<string, Json[]>, depth: number): Verdict {
  if (depth > 16) return { v: 'unknown' };
  for (const exprs of c.rules) {
    let hit: boolean;
    let unknown = false;
    try {
      hit = matches(exprs, p, (name) => sets.get(`${c.family} ${c.table} ${name}`));
    } catch (e) {
      if (!(e instanceof Unknown)) throw e;
      hit = true;
      unknown = true;
    }
    if (!hit) continue;
    for (const x of exprs) {
      if ('accept' in x) return unknown ? { v: 'unknown' } : { v: 'accept' };
      if ('drop' in x || 'reject' in x) {
        if (unknown) break; // may not apply to this packet: go on
        return { v: 'drop', why: `${describe(c)}: a rule drops it` };
      }
      if ('return' in x) {
        if (unknown) return { v: 'unknown' };
        return { v: 'return' };
      }
      const jump = isObj(x.jump) ? x.jump : isObj(x.goto) ? x.goto : null;
      if (jump) {
        const target = chains.get(`${c.family} ${c.table} ${String(jump.target)}`);
        if (!target) return { v: 'unknown' };
        const r = runChain(target, chains, p, sets, depth + 1);
        if (unknown && r.v !== 'return' && r.v !== 'continue') return { v: 'unknown' };
        if (r.v === 'accept' || r.v === 'drop' || r.v === 'unknown') return r;
        if ('goto' in x) return { v: 'return' };
        break;
      }
    }
  }
  return { v: 'continue' };
}

/**
 * Why the ruleset drops the packet (naming the table and chain), or null when
 * it lets it through or the rules use something this does not model.
 */
export function nftDrops(ruleset: Json, p: Packet): string | null {
  const list = isObj(ruleset) && Array.isArray(ruleset.nftables) ? ruleset.nftables : null;
  if (!list) return null;
  const chains = new Map<string, Chain>();
  const sets = new Map<string, Json[]>();
  for (const item of list) {
    if (!isObj(item)) continue;
    if (isObj(item.chain)) {
      const c = item.chain;
      const family = String(c.family);
      if (family !== 'inet' && family !== 'ip') continue;
      chains.set(`${family} ${String(c.table)} ${String(c.name)}`, {
        family,
        table: String(c.table),
        name: String(c.name),
        hook: typeof c.hook === 'string' ? c.hook : undefined,
        type: typeof c.type === 'string' ? c.type : undefined,
        prio: typeof c.prio === 'number' ? c.prio : 0,
        policy: typeof c.policy === 'string' ? c.policy : undefined,
        rules: [],
      });
    } else if (isObj(item.set)) {
      const s = item.set;
      if (s.family === 'inet' || s.family === 'ip') sets.set(`${String(s.family)} ${String(s.table)} ${String(s.name)}`, Array.isArray(s.elem) ? s.elem : []);
    }
  }
  for (const item of list) {
    if (!isObj(item) || !isObj(item.rule)) continue;
    const r = item.rule;
    const c = chains.get(`${String(r.family)} ${String(r.table)} ${String(r.chain)}`);
    if (c && Array.isArray(r.expr)) c.rules.push(r.expr.filter(isObj));
  }
  const base = [...chains.values()].filter((c) => c.hook === 'input' && (c.type ?? 'filter') === 'filter').sort((a, b) => (a.prio ?? 0) - (b.prio ?? 0));
  for (const c of base) {
    const r = runChain(c, chains, p, sets, 0);
    if (r.v === 'unknown') return null;
    if (r.v === 'drop') return r.why ?? describe(c);
    if (r.v === 'accept') continue;
    if (c.policy === 'drop') return `${describe(c)}: its policy is drop and no rule accepts udp dport ${p.dport} from ${p.saddr}`;
  }
  return null;
}
