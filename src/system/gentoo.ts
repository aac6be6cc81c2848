// What a Gentoo system has: packages from the portage vdb, services from the
// OpenRC runlevels and rc-service, the display manager, the network
// interfaces. Reading only; every path is under --root. A question that cannot
// be answered (a staged root, OpenRC not running) gives null or "unknown",
// never an error. rc-service runs only on the live system, and
// node:child_process loads only then.
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import type { SystemRoot } from './fsroot';

const VDB = '/var/db/pkg';

/** The file's text; null when it is missing or cannot be read (a question unanswered, not an error). */
function readText(sys: SystemRoot, path: string): string | null {
  try {
    return sys.readText(path);
  } catch {
    return null;
  }
}
const DISPLAY_MANAGER_CONF = '/etc/conf.d/display-manager';
export const NETIFRC_CONF = '/etc/conf.d/net';

/** One installed version of a package, from ROOT/var/db/pkg/<cat>/<pn>-<ver>/. */
export interface InstalledPackage {
  /** "net-fs/nfs-utils-2.6.4-r1" */
  cpv: string;
  version: string;
  /** the USE flags it was built with (null: no USE file in the vdb entry) */
  use: string[] | null;
}

// PMS version: numbers, optional letter, suffixes, revision
const VERSION = /^\d+(\.\d+)*[a-z]?(_(alpha|beta|pre|rc|p)\d*)*(-r\d+)?$/;

/** The installed versions of "category/package" (usually one; slots may give more). */
export function installedVersions(sys: SystemRoot, atom: string): InstalledPackage[] {
  const [category, name] = atom.split('/');
  let entries: string[];
  try {
    entries = readdirSync(sys.path(`${VDB}/${category}`));
  } catch {
    return [];
  }
  const found: InstalledPackage[] = [];
  for (const entry of entries.sort()) {
    if (!entry.startsWith(`${name}-`)) continue;
    const version = entry.slice(name.length + 1);
    if (!VERSION.test(version)) continue; // e.g. dhcpcd-10.0 for dhcp, or -MERGING- leftovers
    const dir = `${VDB}/${category}/${entry}`;
    if (!sys.isDirectory(dir)) continue;
    const useText = readText(sys, `${dir}/USE`);
    found.push({ cpv: `${category}/${entry}`, version, use: useText === null ? null : useText.split(/\s+/).filter(Boolean) });
  }
  return found;
}

/** The services in a runlevel (ROOT/etc/runlevels/<level>/<svc>, links even if dangling). */
export function runlevelServices(sys: SystemRoot, level = 'default'): string[] {
  try {
    return readdirSync(sys.path(`/etc/runlevels/${level}`)).sort();
  } catch {
    return [];
  }
}

/** Whether the service script exists: ROOT/etc/init.d/<svc>. */
export function hasInitScript(sys: SystemRoot, service: string): boolean {
  try {
    lstatSync(sys.path(`/etc/init.d/${service}`));
    return true;
  } catch {
    return false;
  }
}

/** started, stopped, ...: what `rc-service SVC status` says; unknown when it cannot be asked. */
export type RunState = 'started' | 'stopped' | 'crashed' | 'unsupervised' | 'starting' | 'stopping' | 'inactive' | 'unknown';

/** Why running states cannot be asked, or null when they can. */
export function whyNotLive(sys: SystemRoot): string | null {
  if (sys.root !== '/') return `a staged root (--root ${sys.root}) runs no services`;
  if (!existsSync('/run/openrc/softlevel')) return 'OpenRC is not running here (no /run/openrc/softlevel)';
  if (!findRcService()) return 'rc-service is not installed';
  return null;
}

const RC_SERVICE = ['/sbin/rc-service', '/usr/sbin/rc-service', '/bin/rc-service', '/usr/bin/rc-service'];

function run(program: string, args: string[]) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  return spawnSync(program, args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

function findRcService(): string | null {
  return RC_SERVICE.find((p) => existsSync(p)) ?? null;
}

// openrc-run's status exit codes (64: started under supervise-daemon, which is gone)
const STATUS_CODES: Record<number, RunState> = { 0: 'started', 3: 'stopped', 4: 'stopping', 8: 'starting', 16: 'inactive', 32: 'crashed', 64: 'unsupervised' };

/** Asks OpenRC, on the live system only; "unknown" otherwise or when the service does not exist. */
export function serviceState(sys: SystemRoot, service: string): RunState {
  if (whyNotLive(sys) !== null) return 'unknown';
  const program = findRcService();
  if (!program) return 'unknown';
  const r = run(program, [service, 'status']);
  if (r.error || r.status === null) return 'unknown';
  return STATUS_CODES[r.status] ?? 'unknown';
}

/**
 * DISPLAYMANAGER= in ROOT/etc/conf.d/display-manager, as Gentoo's display-manager
 * service reads it: any case, possibly a path ("/usr/bin/GDM" is gdm). exists is
 * false when the file is absent, value null when unset.
 */
export interface DisplayManagerConf {
  exists: boolean;
  /** the program's name in lower case */
  value: string | null;
}

/** The last assignment of a shell variable in a conf.d file (quotes removed), or null. */
export function shellVariable(text: string, name: string): string | null {
  let value: string | null = null;
  const re = new RegExp(`^\\s*(?:export\\s+)?${name}=(?:"([^"]*)"|'([^']*)'|([^\\s#;]*))`);
  for (const line of text.split('\n')) {
    const m = re.exec(line);
    if (m) value = m[1] ?? m[2] ?? m[3] ?? '';
  }
  return value;
}

export function readDisplayManager(sys: SystemRoot): DisplayManagerConf {
  const text = readText(sys, DISPLAY_MANAGER_CONF);
  if (text === null) return { exists: false, value: null };
  const name = shellVariable(text, 'DISPLAYMANAGER')?.trim().replace(/^.*\//, '').toLowerCase();
  return { exists: true, value: name ? name : null };
}

/** A network interface as the running kernel sees it. */
export interface NetInterface {
  name: string;
  /** operstate: up, down, unknown (lo, tun), ... */
  state: string;
  /** "192.168.0.254/24", IPv4 only */
  addresses: string[];
}

/**
 * The interfaces of the live system: names and states from /sys/class/net,
 * IPv4 addresses from getifaddrs(3). Null on a staged root.
 */
export function readInterfaces(sys: SystemRoot): NetInterface[] | null {
  if (sys.root !== '/') return null;
  let names: string[];
  try {
    names = readdirSync('/sys/class/net').sort();
  } catch {
    return null;
  }
  const addresses = ipAddresses();
  return names.map((name) => {
    let state = 'unknown';
    try {
      state = readFileSync(`/sys/class/net/${name}/operstate`, 'utf8').trim() || 'unknown';
    } catch {
      // keep unknown
    }
    return { name, state, addresses: addresses.get(name) ?? [] };
  });
}

/** IPv4 addresses per interface, from getifaddrs(3) through node:os: no program to run. */
function ipAddresses(): Map<string, string[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { networkInterfaces } = require('node:os') as typeof import('node:os');
  const found = new Map<string, string[]>();
  for (const [name, list] of Object.entries(networkInterfaces())) {
    const v4 = (list ?? []).filter((a) => a.family === 'IPv4' && a.cidr).map((a) => a.cidr as string);
    if (v4.length) found.set(name, v4);
  }
  return found;
}

/**
 * netifrc's configuration: config_<iface>="ADDR/PREFIX ..." in ROOT/etc/conf.d/net,
 * the IPv4 addresses per interface (null when the file does not exist).
 */
export function readNetifrc(sys: SystemRoot): Record<string, string[]> | null {
  const text = readText(sys, NETIFRC_CONF);
  if (text === null) return null;
  const config: Record<string, string[]> = {};
  // config_eth0="a/24 b/24" or config_eth0=( "a/24" "b/24" ) (old array style), possibly over several lines
  for (const m of text.matchAll(/^\s*config_([A-Za-z0-9_]+)=(\(([^)]*)\)|"([^"]*)"|'([^']*)'|(\S+))/gm)) {
    const body = m[3] ?? m[4] ?? m[5] ?? m[6] ?? '';
    config[m[1]] = [...body.matchAll(/\d+\.\d+\.\d+\.\d+(?:\/\d+)?/g)].map((a) => a[0]);
  }
  return config;
}
