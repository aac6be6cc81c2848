// What each server daemon's log line says about a thin client's boot. Every
// parser matches the lines its daemon really writes (the lab runs them):
//   dhcpd (ISC, facility daemon):   "DHCPDISCOVER from MAC via IF", "DHCPOFFER on IP to MAC via IF",
//                                   "DHCPREQUEST for IP (SERVER) from MAC via IF[: why]", "DHCPACK on IP to MAC via IF",
//                                   "DHCPNAK on IP to MAC via IF", "BOOTREQUEST from MAC via IF"
//   dnsmasq (proxyDHCP, program dnsmasq-dhcp): "PXE(IF) MAC proxy", "PXE(IF) IP MAC /file", "PXE(IF) MAC proxy-ignored"
//   in.tftpd -v -v (tftp-hpa):      "RRQ from IP filename FILE", "sending NAK (CODE, TEXT) to IP"
//   rpc.mountd (nfs-utils):         "authenticated mount request from IP:PORT for PATH (EXPORT)",
//                                   "refused mount request from IP for PATH (EXPORT): WHY"
//   the clients' own syslog:        any line in syslog.log_dir/<host or address>.log; of the client's
//                                   initramfs (ltsp-init, from DHCP on): "root mounted: SPEC" (the root
//                                   stage of NBD and NFSv4 roots, which leave no mountd line),
//                                   "FAILED: WHY"; of its session (ltsp): "XDMCP session: ...",
//                                   "no XDMCP session: ..."
//   display managers:               lightdm's "XDMCP: Received Request from IP", X's "XDMCP" lines from the client
import type { SyslogLine } from './syslogline';

export type Source = 'dhcpd' | 'dnsmasq' | 'tftpd' | 'mountd' | 'client' | 'display-manager' | 'unknown';

export type EventKind =
  | 'dhcp-discover'
  | 'dhcp-offer'
  | 'dhcp-request'
  | 'dhcp-ack'
  | 'dhcp-nak'
  | 'dhcp-refused'
  | 'proxy-offer'
  | 'proxy-ignored'
  | 'tftp-read'
  | 'tftp-nak'
  | 'mount'
  | 'mount-refused'
  /** a line of the client's initramfs (ltsp-init) before its root: not yet its own syslog */
  | 'client-init'
  /** the client's initramfs gave up, saying why */
  | 'client-failed'
  | 'client-log'
  | 'session'
  /** the client says no display manager opened its display */
  | 'no-session'
  | 'other';

export interface LogEvent {
  time: number | null;
  source: Source;
  kind: EventKind;
  /** the log file and the line as written */
  file: string;
  line: string;
  mac?: string;
  ip?: string;
  /** DHCPREQUEST: the server the client chose (server identifier) */
  serverId?: string;
  /** TFTP: the file asked for; mount: the path asked for */
  path?: string;
  /** dhcpd's reason after the "via IF:", a NAK's text, a refusal's reason */
  why?: string;
  /** a TFTP NAK's error code */
  code?: number;
  /** the daemon's process: in.tftpd forks one per request, so its NAK has its RRQ's pid */
  pid?: number;
  /** a client's line whose own host field names another machine than the sender the server saw */
  claims?: string;
}

const MAC = '([0-9a-fA-F]{1,2}(?::[0-9a-fA-F]{1,2}){5})';
const IP = '([0-9]{1,3}(?:\\.[0-9]{1,3}){3})';

/** "1:2:3:a:b:c" as dhcpd may print it, in the site's form "01:02:03:0a:0b:0c" */
export function normalMac(mac: string): string {
  return mac
    .toLowerCase()
    .split(':')
    .map((b) => b.padStart(2, '0'))
    .join(':');
}

const DHCPD = [
  { re: new RegExp(`^DHCPDISCOVER from ${MAC}(?: \\([^)]*\\))? via (\\S+?)(?:: (.*))?$`), kind: 'dhcp-discover' as const, mac: 1, why: 3 },
  { re: new RegExp(`^DHCPOFFER on ${IP} to ${MAC}(?: \\([^)]*\\))? via (\\S+?)$`), kind: 'dhcp-offer' as const, ip: 1, mac: 2 },
  { re: new RegExp(`^DHCPREQUEST for ${IP}(?: \\(${IP}\\))? from ${MAC}(?: \\([^)]*\\))? via (\\S+?)(?:: (.*))?$`), kind: 'dhcp-request' as const, ip: 1, sid: 2, mac: 3, why: 5 },
  { re: new RegExp(`^DHCPACK on ${IP} to ${MAC}(?: \\([^)]*\\))? via (\\S+?)$`), kind: 'dhcp-ack' as const, ip: 1, mac: 2 },
  { re: new RegExp(`^DHCPNAK on ${IP} to ${MAC} via (\\S+?)$`), kind: 'dhcp-nak' as const, ip: 1, mac: 2 },
  { re: new RegExp(`^BOOTREQUEST from ${MAC} via (\\S+?)(?:: (.*))?$`), kind: 'dhcp-discover' as const, mac: 1, why: 3 },
  { re: new RegExp(`^BOOTREPLY for ${IP} to \\S+ \\(${MAC}\\) via (\\S+?)$`), kind: 'dhcp-ack' as const, ip: 1, mac: 2 },
];

const DNSMASQ = [
  { re: new RegExp(`^PXE\\([^)]*\\) ${MAC} proxy-ignored$`), kind: 'proxy-ignored' as const, mac: 1 },
  { re: new RegExp(`^PXE\\([^)]*\\) ${MAC} proxy$`), kind: 'dhcp-discover' as const, mac: 1 },
  { re: new RegExp(`^PXE\\([^)]*\\) ${IP} ${MAC} (\\S+)$`), kind: 'proxy-offer' as const, ip: 1, mac: 2, path: 3 },
  { re: new RegExp(`^DHCPDISCOVER\\([^)]*\\)(?: ${IP})? ${MAC}(?: (.*))?$`), kind: 'dhcp-discover' as const, mac: 2, why: 3 },
  { re: new RegExp(`^DHCPREQUEST\\([^)]*\\) ${IP} ${MAC}$`), kind: 'dhcp-request' as const, ip: 1, mac: 2 },
  { re: new RegExp(`^DHCPACK\\([^)]*\\) ${IP} ${MAC}(?: .*)?$`), kind: 'dhcp-ack' as const, ip: 1, mac: 2 },
  { re: new RegExp(`^DHCPNAK\\([^)]*\\) ${IP} ${MAC}(?: (.*))?$`), kind: 'dhcp-nak' as const, ip: 1, mac: 2, why: 3 },
];

const TFTP_RRQ = new RegExp(`^RRQ from (?:::ffff:)?${IP} filename (.*)$`);
const TFTP_NAK = new RegExp(`^sending NAK \\(([0-9]+), ([^)]*)\\) to (?:::ffff:)?${IP}$`);
const MOUNT_OK = new RegExp(`^authenticated mount request from ${IP}(?::[0-9]+)? for (\\S+) \\(([^)]*)\\)$`);
const MOUNT_REFUSED = new RegExp(`^refused mount request from ${IP}(?::[0-9]+)? for (\\S+) \\(([^)]*)\\): (.*)$`);
const LIGHTDM_XDMCP = new RegExp(`XDMCP: Received (?:Request|Manage) from ${IP}`);

/**
 * Byte strings, one of which every line that serverEvent turns into an event holds
 * (rarely elsewhere): the log reader decodes only the lines holding one. Each is
 * short and starts with a byte rare in logs, so a chunk is searched at memchr
 * speed. A rule added above needs its mark here.
 */
export const SERVER_MARKS = [
  'PDISCO', // DHCPDISCOVER (dhcpd, dnsmasq)
  'POFFER', // DHCPOFFER
  'PREQUE', // DHCPREQUEST
  'PACK', // DHCPACK
  'PNAK', // DHCPNAK
  'OOTRE', // BOOTREQUEST, BOOTREPLY
  'PXE(', // dnsmasq's proxy
  'Q from', // in.tftpd's RRQ
  'NAK (', // in.tftpd's NAK
  'mount r', // rpc.mountd's (authenticated|refused) mount request
  'XDMCP', // the display manager's
] as const;

interface Rule {
  re: RegExp;
  kind: EventKind;
  mac?: number;
  ip?: number;
  sid?: number;
  why?: number;
  path?: number;
}

function byRules(rules: Rule[], msg: string, base: LogEvent): LogEvent | null {
  for (const r of rules) {
    const m = r.re.exec(msg);
    if (!m) continue;
    const e: LogEvent = { ...base, kind: r.kind };
    if (r.mac && m[r.mac]) e.mac = normalMac(m[r.mac]);
    if (r.ip && m[r.ip]) e.ip = m[r.ip];
    if (r.sid && m[r.sid]) e.serverId = m[r.sid];
    if (r.why && m[r.why]) e.why = m[r.why].replace(/\.$/, '');
    if (r.path && m[r.path]) e.path = m[r.path];
    return e;
  }
  return null;
}

/** The event a line of the server's own logs (messages and friends) stands for. */
export function serverEvent(line: SyslogLine, file: string, text: string): LogEvent {
  const base: LogEvent = { time: line.time, source: 'unknown', kind: 'other', file, line: text, ...(line.pid !== undefined ? { pid: line.pid } : {}) };
  const prog = line.program;
  if (prog === 'dhcpd') {
    return byRules(DHCPD, line.message, { ...base, source: 'dhcpd' }) ?? { ...base, source: 'dhcpd' };
  }
  if (prog === 'dnsmasq-dhcp' || prog === 'dnsmasq') {
    // with log-dhcp, dnsmasq puts a transaction number first
    const msg = line.message.replace(/^[0-9]+ /, '');
    return byRules(DNSMASQ, msg, { ...base, source: 'dnsmasq' }) ?? { ...base, source: 'dnsmasq' };
  }
  if (prog === 'in.tftpd' || prog === 'tftpd') {
    const r = TFTP_RRQ.exec(line.message);
    if (r) return { ...base, source: 'tftpd', kind: 'tftp-read', ip: r[1], path: r[2] };
    const n = TFTP_NAK.exec(line.message);
    if (n) return { ...base, source: 'tftpd', kind: 'tftp-nak', ip: n[3], code: Number(n[1]), why: n[2] };
    return { ...base, source: 'tftpd' };
  }
  if (prog === 'rpc.mountd' || prog === 'mountd') {
    const ok = MOUNT_OK.exec(line.message);
    if (ok) return { ...base, source: 'mountd', kind: 'mount', ip: ok[1], path: ok[2] };
    const no = MOUNT_REFUSED.exec(line.message);
    if (no) return { ...base, source: 'mountd', kind: 'mount-refused', ip: no[1], path: no[2], why: no[4] };
    return { ...base, source: 'mountd' };
  }
  if (prog === 'lightdm' || prog === 'xdm' || prog === 'gdm' || prog === 'gdm3') {
    const x = LIGHTDM_XDMCP.exec(line.message);
    if (x) return { ...base, source: 'display-manager', kind: 'session', ip: x[1] };
    return { ...base, source: 'display-manager' };
  }
  return base;
}

/** A display manager's own log file (lightdm.log has no syslog header): its XDMCP lines. */
export function displayManagerEvent(text: string, file: string, time: number | null): LogEvent | null {
  const x = LIGHTDM_XDMCP.exec(text);
  return x ? { time, source: 'display-manager', kind: 'session', file, line: text, ip: x[1] } : null;
}

const X_SESSION = /\bXDMCP\b|\bXorg\b|\bX\.Org\b|xdm|lightdm/;
const INIT_MOUNTED = /^root mounted: (\S+)/;
const INIT_FAILED = /^FAILED: (.*)$/;
const NO_SESSION = /^no XDMCP session\b/;

function clientKind(line: SyslogLine): { kind: EventKind; path?: string; why?: string } {
  if (line.program === 'ltsp-init') {
    const m = INIT_MOUNTED.exec(line.message);
    if (m) return { kind: 'mount', path: m[1] };
    const f = INIT_FAILED.exec(line.message);
    if (f) return { kind: 'client-failed', why: f[1] };
    return { kind: 'client-init' };
  }
  if (NO_SESSION.test(line.message)) return { kind: 'no-session' };
  if (X_SESSION.test(line.program) || /^XDMCP/.test(line.message)) return { kind: 'session' };
  return { kind: 'client-log' };
}

/**
 * A line of a client's own log file, filed by the syslog target under the
 * sender's address or name (`sender`): who sent it is the file, not the line's
 * host field, which the client writes itself and may be anything.
 */
export function clientEvent(line: SyslogLine, sender: { ip?: string; mac?: string; name: string }, file: string, text: string): LogEvent {
  const { kind, path, why } = clientKind(line);
  const e: LogEvent = { time: line.time, source: 'client', kind, file, line: text, ...(path ? { path } : {}), ...(why ? { why } : {}) };
  if (sender.mac) e.mac = sender.mac;
  else e.ip = sender.ip ?? sender.name;
  if (line.host !== sender.name && line.host !== sender.ip) e.claims = line.host;
  return e;
}
