// Who holds a port: the kernel's socket tables (/proc/net/{tcp,udp}{,6}, of
// the network namespace this process runs in) and, for a socket that stands
// in the way, the processes that have it open (/proc/PID/fd/* -> socket:[INODE]).
//
// Read here rather than through `ss -p`: these files are what ss itself reads,
// they need no other program (iproute2 may be missing), have one format on
// every kernel since 2.6, and are read in well under a millisecond; the
// process names are looked up only when a socket is in the way.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export type Protocol = 'tcp' | 'udp';

/** A port a service binds: IPv4 address ('0.0.0.0': every address) and port. */
export interface PortWant {
  protocol: Protocol;
  address: string;
  port: number;
}

/** A bound socket that keeps `want` from being bound, with the processes holding it. */
export interface PortHolder {
  /** where it is bound: 0.0.0.0:69, [::]:69, 192.0.2.1:8080 */
  local: string;
  /** the processes that have the socket open ([] when none can be seen: another user's, or being closed) */
  processes: { pid: number; name: string }[];
}

interface Socket {
  /** IPv4 dotted quad, or IPv6 in full hex groups ("0:0:0:0:0:0:0:0" is "::") */
  address: string;
  v6: boolean;
  port: number;
  inode: string;
}

/** An address of /proc/net/*: hex of 32-bit words, each in the machine's byte order (little-endian here). */
function decodeAddress(hex: string): { address: string; v6: boolean } {
  const bytes: number[] = [];
  for (let w = 0; w < hex.length; w += 8) {
    const word = hex.slice(w, w + 8);
    for (let b = 6; b >= 0; b -= 2) bytes.push(parseInt(word.slice(b, b + 2), 16));
  }
  if (bytes.length === 4) return { address: bytes.join('.'), v6: false };
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return { address: groups.join(':'), v6: true };
}

// TCP sockets in state LISTEN (0A); for UDP every bound socket counts
const TCP_LISTEN = '0A';

/**
 * The sockets bound to `port` in one protocol, IPv4 and IPv6; null when
 * neither table can be read (no /proc).
 */
function boundSockets(protocol: Protocol, port: number): Socket[] | null {
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  const found: Socket[] = [];
  let read = false;
  for (const file of [`/proc/net/${protocol}`, `/proc/net/${protocol}6`]) {
    let text: string;
    try {
      text = readFileSync(file, 'latin1');
    } catch {
      continue;
    }
    read = true;
    // "  sl  local_address rem_address   st tx_queue:rx_queue tr:tm->when retrnsmt   uid  timeout inode"
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const [hexAddress, hexPort] = f[1].split(':');
      if (hexPort !== portHex) continue;
      if (protocol === 'tcp' && f[3] !== TCP_LISTEN) continue;
      found.push({ ...decodeAddress(hexAddress), port, inode: f[9] });
    }
  }
  return read ? found : null;
}

const ANY6 = '0:0:0:0:0:0:0:0';

/**
 * Whether a socket bound there keeps `want` (IPv4) from being bound: the same
 * address, either side's wildcard, or IPv6's any address (dual-stack unless it
 * is IPv6-only, which the tables do not tell: it is counted) and the IPv4
 * address mapped into IPv6. Another IPv6 address is another family's.
 */
function inTheWay(s: Socket, want: PortWant): boolean {
  if (!s.v6) return want.address === '0.0.0.0' || s.address === '0.0.0.0' || s.address === want.address;
  if (s.address === ANY6) return true;
  const v4 = mappedV4(s.address);
  return v4 !== null && (want.address === '0.0.0.0' || v4 === want.address);
}

/** The IPv4 address of an IPv4-mapped IPv6 address (::ffff:192.0.2.1), else null. */
function mappedV4(address: string): string | null {
  const m = /^0:0:0:0:0:ffff:([0-9a-f]+):([0-9a-f]+)$/.exec(address);
  if (!m) return null;
  const [hi, lo] = [parseInt(m[1], 16), parseInt(m[2], 16)];
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

function shownAddress(s: Socket): string {
  if (!s.v6) return `${s.address}:${s.port}`;
  const v4 = mappedV4(s.address);
  if (v4) return `[::ffff:${v4}]:${s.port}`;
  // the longest run of zero groups (two or more) becomes "::"
  const groups = s.address.split(':');
  let best = [-1, 0];
  for (let i = 0; i < groups.length; i++) {
    let n = 0;
    while (groups[i + n] === '0') n++;
    if (n > best[1]) best = [i, n];
  }
  const short = best[1] < 2 ? s.address : `${groups.slice(0, best[0]).join(':')}::${groups.slice(best[0] + best[1]).join(':')}`;
  return `[${short}]:${s.port}`;
}

/** pid and name of every process that has one of these sockets open, by inode. */
function processesHolding(inodes: Set<string>): Map<string, { pid: number; name: string }[]> {
  const held = new Map<string, { pid: number; name: string }[]>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return held;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or another user's
    }
    let name: string | undefined;
    // every descriptor: one process may hold several of the sockets (IPv4 and IPv6, or two addresses)
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (!m || !inodes.has(m[1])) continue;
      if (name === undefined) {
        try {
          name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
        } catch {
          name = '?'; // ended meanwhile: keep its pid
        }
      }
      const list = held.get(m[1]) ?? [];
      if (!list.some((p) => p.pid === Number(pid))) list.push({ pid: Number(pid), name });
      held.set(m[1], list);
    }
  }
  return held;
}

/**
 * The sockets that keep `want` from being bound, each with its processes;
 * null when the socket tables cannot be read. `passOver`: processes by name
 * that share the port by design (dhcpd's instances, each with SO_REUSEADDR).
 */
export function portHolders(want: PortWant, passOver: string[] = []): PortHolder[] | null {
  const sockets = boundSockets(want.protocol, want.port);
  if (sockets === null) return null;
  const blocking = sockets.filter((s) => inTheWay(s, want));
  if (blocking.length === 0) return [];
  const byInode = processesHolding(new Set(blocking.map((s) => s.inode)));
  const holders: PortHolder[] = [];
  for (const s of blocking) {
    const processes = byInode.get(s.inode) ?? [];
    if (processes.length && processes.every((p) => passOver.includes(p.name))) continue;
    holders.push({ local: shownAddress(s), processes });
  }
  return holders;
}

/** true when a UDP socket (IPv4 or IPv6, any address) is bound to `port`; null when /proc/net cannot be read */
export function udpBound(port: number): boolean | null {
  const sockets = boundSockets('udp', port);
  return sockets === null ? null : sockets.length > 0;
}

/** "python3 (pid 4242) on 0.0.0.0:69", one holder. */
export function holderText(h: PortHolder): string {
  const who = h.processes.length
    ? h.processes.slice(0, 3).map((p) => `${p.name} (pid ${p.pid})`).join(', ') + (h.processes.length > 3 ? ` and ${h.processes.length - 3} more` : '')
    : 'a program this user cannot see';
  return `${who} on ${h.local}`;
}

/** "UDP port 69 on 192.0.2.1" (or "on every address") */
export function wantText(want: PortWant): string {
  return `${want.protocol.toUpperCase()} port ${want.port} on ${want.address === '0.0.0.0' ? 'every address' : want.address}`;
}
