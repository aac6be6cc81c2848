// Services: which OpenRC services the site needs (from site.toml and, where it
// says "auto", from what the system has), and for each one whether its packages
// are installed, it is in the default runlevel and it runs.
import { DISPLAY_MANAGERS, SYSLOG_DAEMONS, type DisplayManager, type SyslogDaemon } from '../site/schema';
import type { Site } from '../site/types';
import type { RunState } from '../system/gentoo';
import { syslogDaemon } from '../targets/syslog';
import { nbdImages } from '../targets/nbd-server';
import { holderText, wantText, type PortHolder, type PortWant } from '../system/ports';
import { checkPackage, installStep, type PackageCheck, type PackageNeed } from './packages';
import type { Health, Step, SystemFacts } from './types';

interface ServiceIssue {
  health: Health;
  /** what is wrong, for the detail column */
  text: string;
  step: Step;
}

interface ServiceNeed {
  /** the OpenRC service name, e.g. "dhcpd.1067" */
  service: string;
  /** what the site uses it for */
  role: string;
  packages: PackageNeed[];
  /** the package that installs /etc/init.d/<service> */
  provider: string;
  /** what stands in the way before packages matter (an unknown display manager...) */
  issues: ServiceIssue[];
  /** services that must stay out of the default runlevel beside this one (same port, same socket) */
  conflicts: { service: string; why: string }[];
  /** a link SERVICE.NAME to the script (an instance, e.g. per interface) does the job too */
  instances?: boolean;
  /** the port it binds (ltsp-ts's own services), which no other program may hold while it is stopped */
  port?: ServicePort;
}

/** The name that runs the service: itself, or its first instance in the default runlevel. */
export function serviceName(need: ServiceNeed, runlevel: string[]): string {
  if (!need.instances || runlevel.includes(need.service)) return need.service;
  return runlevel.find((s) => s.startsWith(`${need.service}.`)) ?? need.service;
}

const OWN_PACKAGE = 'net-misc/ltsp-ts';
const DHCP: PackageNeed = { atom: 'net-misc/dhcp', use: ['server'] };
const TFTP_HPA: PackageNeed = { atom: 'net-ftp/tftp-hpa' };

const SYSLOG_PACKAGES: Record<SyslogDaemon, string> = { 'syslog-ng': 'app-admin/syslog-ng', rsyslog: 'app-admin/rsyslog', sysklogd: 'app-admin/sysklogd' };
const DISPLAY_MANAGER_PACKAGES: Record<DisplayManager, string> = { gdm: 'gnome-base/gdm', lightdm: 'x11-misc/lightdm', xdm: 'x11-apps/xdm' };
/** installs /etc/init.d/display-manager, which starts $DISPLAYMANAGER */
const DISPLAY_MANAGER_INIT = 'gui-libs/display-manager-init';

const FIREWALL_PACKAGES = { nftables: 'net-firewall/nftables', iptables: 'net-firewall/iptables' } as const;

/** Every package a site may need, so that src/system reads them all at once. */
export const ALL_ATOMS: string[] = [
  DHCP.atom,
  'net-dns/dnsmasq',
  TFTP_HPA.atom,
  'sys-apps/xinetd',
  'net-fs/nfs-utils',
  'net-nds/rpcbind',
  OWN_PACKAGE,
  ...Object.values(SYSLOG_PACKAGES),
  ...Object.values(DISPLAY_MANAGER_PACKAGES),
  DISPLAY_MANAGER_INIT,
  ...Object.values(FIREWALL_PACKAGES),
  'sys-boot/syslinux',
  'sys-block/nbd',
  'sys-firmware/ipxe',
  'www-servers/lighttpd',
];

const installed = (facts: SystemFacts, atom: string) => (facts.packages[atom] ?? []).length > 0;

/** Why status names the syslog daemon the syslog target configures (syslogDaemon() chooses for both). */
const SYSLOG_HOW = {
  'site.toml': 'syslog.daemon in site.toml',
  detected: 'detected',
  default: 'none or several detected: syslog-ng, as the syslog target configures; syslog.daemon chooses',
};

function displayManagerNeed(site: Site, facts: SystemFacts): ServiceNeed {
  const conf = facts.displayManager;
  const role = 'XDMCP desktops for the clients';
  const base = { service: 'display-manager', role, provider: DISPLAY_MANAGER_INIT };
  const known = (v: string | null): v is DisplayManager => (DISPLAY_MANAGERS as readonly (string | null)[]).includes(v);
  const choices = 'gdm, lightdm or xdm';
  const file = '/etc/conf.d/display-manager';
  const named = site.xdmcp.displayManager;

  if (named === 'auto') {
    if (known(conf.value)) {
      return { ...base, role: `${role} (${conf.value}, from DISPLAYMANAGER)`, packages: [{ atom: DISPLAY_MANAGER_PACKAGES[conf.value] }, { atom: DISPLAY_MANAGER_INIT }], issues: [], conflicts: [] };
    }
    const text = !conf.exists
      ? `no ${file}: no display manager chosen`
      : conf.value === null
        ? `DISPLAYMANAGER is not set in ${file}`
        : `display manager "${conf.value}" (DISPLAYMANAGER in ${file}) has no XDMCP support in ltsp-ts`;
    // one known display manager installed: that is the one to name
    const have = DISPLAY_MANAGERS.filter((d) => installed(facts, DISPLAY_MANAGER_PACKAGES[d]));
    const step: Step =
      have.length === 1
        ? { phase: 'edit', command: `set DISPLAYMANAGER="${have[0]}" in ${file} (${DISPLAY_MANAGER_PACKAGES[have[0]]} is installed)` }
        : { phase: 'edit', command: `set DISPLAYMANAGER to ${choices} in ${file} (or xdmcp.enabled = false in site.toml)` };
    return { ...base, role, packages: [{ atom: DISPLAY_MANAGER_INIT }], issues: [{ health: 'problem', text, step }], conflicts: [] };
  }

  const packages = [{ atom: DISPLAY_MANAGER_PACKAGES[named] }, { atom: DISPLAY_MANAGER_INIT }];
  const issues: ServiceIssue[] = [];
  // with DISPLAYMANAGER unset, Gentoo's display-manager service starts xdm
  if (conf.value !== named && !(named === 'xdm' && conf.value === null)) {
    const now = conf.value === null ? (conf.exists ? 'DISPLAYMANAGER is not set' : `there is no ${file}`) : `DISPLAYMANAGER="${conf.value}" starts another one`;
    issues.push({ health: 'problem', text: `site.toml names ${named}, but ${now}`, step: { phase: 'edit', command: `set DISPLAYMANAGER="${named}" in ${file}` } });
  }
  return { ...base, role: `${role} (${named}, from site.toml)`, packages, issues, conflicts: [] };
}

/** ltsp-ts's own OpenRC services (init.d/): they ask the CLI the rules below. */
export const OWN_SERVICES = ['dhcpd.1067', 'ltsp-tftpd', 'ltsp-httpd', 'ltsp-nbd'] as const;
export type OwnService = (typeof OWN_SERVICES)[number];

/**
 * Why site.toml does not call for one of ltsp-ts's own services, which would
 * then serve something the site does not use (or nothing); null when it does.
 * `file`: site.toml's path, for the message. The services refuse to start on
 * it (`ltspcfg-ts service NAME`), and status lists a service only when it is null.
 */
export function notCalledFor(service: OwnService, site: Site, file: string): string | null {
  switch (service) {
    case 'dhcpd.1067':
      if (site.dhcp.mode === 'port-1067' || site.dhcp.mode === 'nfsroot') return null;
      if (site.dhcp.mode === 'primary') return `dhcp.mode is "primary" in ${file}: net-misc/dhcp's own dhcpd service serves it, not dhcpd.1067`;
      return `dhcp.mode is "${site.dhcp.mode}" in ${file}: dhcpd.1067 serves "port-1067" and "nfsroot" only`;
    case 'ltsp-tftpd':
      if (site.tftp.launcher === 'ltsp-tftpd') return null;
      return `tftp.launcher is "${site.tftp.launcher}" in ${file}: xinetd starts in.tftpd (/etc/xinetd.d/ltsp-tftp), not ltsp-tftpd`;
    case 'ltsp-httpd':
      return site.http ? null : `http.enabled is not true in ${file}: the site fetches its kernels over TFTP`;
    case 'ltsp-nbd':
      return nbdImages(site).length ? null : `no [[image]] in ${file} has serve = "nbd": ltsp-nbd would serve nothing`;
  }
}

/** The port a service binds, the site.toml keys that set it, and who may share it. */
export interface ServicePort {
  want: PortWant;
  /** "tftp.address or tftp.port": what the admin changes to move it */
  keys: string;
  /** programs that share the port by design, passed over */
  shared: string[];
}

/** The port each of ltsp-ts's services binds (for a service the site calls for). */
export function servicePort(service: OwnService, site: Site): ServicePort {
  switch (service) {
    case 'dhcpd.1067':
      // dhcpd binds its UDP port on every address, with SO_REUSEADDR: its instances (one an interface) share it
      return { want: { protocol: 'udp', address: '0.0.0.0', port: site.dhcp.port }, keys: 'dhcp.port', shared: ['dhcpd'] };
    case 'ltsp-tftpd':
      return { want: { protocol: 'udp', address: site.tftp.address, port: site.tftp.port }, keys: 'tftp.address or tftp.port', shared: [] };
    case 'ltsp-httpd':
      return { want: { protocol: 'tcp', address: site.http?.address ?? site.server.address, port: site.http?.port ?? 80 }, keys: 'http.address or http.port', shared: [] };
    case 'ltsp-nbd':
      // nbd-server.conf's listenaddr (src/targets/nbd-server)
      return { want: { protocol: 'tcp', address: site.server.address, port: site.nbd.port }, keys: 'server.address or nbd.port', shared: [] };
  }
}

/**
 * One message for a port another program holds, for `ltspcfg-ts service NAME
 * --ports` (what the services show) and status: "UDP port 69 on 192.0.2.1 is
 * already taken: in.tftpd (pid 812) on 0.0.0.0:69; stop it first, or change
 * tftp.address or tftp.port in /etc/ltsp/site.toml".
 */
export function portTakenText(port: ServicePort, holders: PortHolder[], file: string): string {
  return `${wantText(port.want)} is already taken: ${holders.map(holderText).join('; ')}; stop ${holders.length > 1 ? 'them' : 'it'} first, or change ${port.keys} in ${file}`;
}

/** The services the site needs, in the order of the report. */
export function requiredServices(site: Site, facts: SystemFacts): ServiceNeed[] {
  const needs: ServiceNeed[] = [];
  const plain = (service: string, role: string, packages: PackageNeed[], provider = packages[0].atom): ServiceNeed => ({ service, role, packages, provider, issues: [], conflicts: [] });
  const tftpPort = `would take TFTP port ${site.tftp.port} too`;

  switch (site.dhcp.mode) {
    case 'primary':
      needs.push(plain('dhcpd', 'DHCP: addresses and boot answers', [DHCP]));
      break;
    case 'port-1067':
    case 'nfsroot':
      break; // dhcpd.1067, below
    case 'proxy':
      needs.push(plain('dnsmasq', 'proxyDHCP boot answers beside the existing DHCP server', [{ atom: 'net-dns/dnsmasq' }]));
      break;
    case 'none':
      break;
  }
  const calledFor = (service: OwnService) => notCalledFor(service, site, '') === null;
  const own = (service: OwnService, role: string, packages: PackageNeed[]): ServiceNeed => ({ ...plain(service, role, [...packages, { atom: OWN_PACKAGE }], OWN_PACKAGE), port: servicePort(service, site) });
  if (calledFor('dhcpd.1067')) {
    // the script ltsp-ts installs is dhcpd.1067 whatever dhcp.port says; dhcpd.1067.eth1 links are instances of it
    needs.push({ ...own('dhcpd.1067', `DHCP boot answers on port ${site.dhcp.port} (${site.dhcp.mode})`, [DHCP]), instances: true });
  }
  if (!calledFor('ltsp-tftpd')) {
    const xinetd = plain('xinetd', 'TFTP (in.tftpd launched by xinetd)', [{ atom: 'sys-apps/xinetd' }, TFTP_HPA]);
    xinetd.conflicts = ['ltsp-tftpd', 'in.tftpd'].map((service) => ({ service, why: tftpPort }));
    needs.push(xinetd);
  } else {
    const tftpd = own('ltsp-tftpd', 'TFTP: bootloaders and kernels', [TFTP_HPA]);
    tftpd.conflicts = [{ service: 'in.tftpd', why: `${tftpPort} (tftp-hpa's own service; ltsp-tftpd replaces it)` }];
    needs.push(tftpd);
  }
  if (calledFor('ltsp-httpd')) needs.push(own('ltsp-httpd', 'HTTP: kernels and initramfs for iPXE', [{ atom: 'www-servers/lighttpd' }]));
  needs.push(plain('rpcbind', 'RPC port mapper for NFS (the wiki\'s portmap)', [{ atom: 'net-nds/rpcbind' }]));
  needs.push(plain('nfs', 'NFS: the clients\' root and swap files', [{ atom: 'net-fs/nfs-utils' }]));
  if (calledFor('ltsp-nbd')) needs.push(own('ltsp-nbd', 'NBD: the squashfs images of the clients\' roots', [{ atom: 'sys-block/nbd' }]));

  const syslog = syslogDaemon(site, facts.platformSyslog);
  const logger = plain(syslog.daemon, `the clients' logs (${SYSLOG_HOW[syslog.how]})`, [{ atom: SYSLOG_PACKAGES[syslog.daemon] }]);
  logger.conflicts = SYSLOG_DAEMONS.filter((d) => d !== syslog.daemon).map((service) => ({ service, why: `a second syslog daemon would fight ${syslog.daemon} for /dev/log${site.syslog.udpPort ? ` and UDP port ${site.syslog.udpPort}` : ''}` }));
  needs.push(logger);
  if (site.xdmcp.enabled) needs.push(displayManagerNeed(site, facts));
  if (site.firewall.enabled) {
    const backend = site.firewall.backend;
    needs.push(plain(backend, `firewall: opens the server to the thin clients only (${backend})`, [{ atom: FIREWALL_PACKAGES[backend] }]));
  }
  return needs;
}

export interface ServiceStatus {
  service: string;
  role: string;
  packages: PackageCheck[];
  /** every package installed (with its USE flags) */
  installed: boolean;
  /** /etc/init.d/<service> exists (null: not asked) */
  script: boolean | null;
  runlevel: boolean;
  running: RunState;
  health: Health;
  /** one word: running, enabled, stopped, crashed, unsupervised, disabled, missing, unsupported, conflict */
  state: string;
  /** what is wrong, or how it was chosen */
  detail: string;
  /** the first command to run; "nothing to do ..." when fine */
  next: string;
  steps: Step[];
}

function stateWord(s: { blocked: boolean; allInstalled: boolean; runlevel: boolean; conflicting: boolean; running: RunState; live: boolean }): string {
  if (s.blocked) return 'unsupported';
  if (!s.allInstalled) return 'missing';
  if (!s.runlevel) return 'disabled';
  if (s.conflicting) return 'conflict';
  if (s.running === 'started') return 'running';
  if (s.running === 'unknown') return s.live ? 'stopped' : 'enabled';
  return s.running;
}

export function checkService(need: ServiceNeed, facts: SystemFacts): ServiceStatus {
  const packages = need.packages.map((p) => checkPackage(p, facts));
  const steps: Step[] = need.issues.map((i) => i.step);
  const problems: string[] = need.issues.map((i) => i.text);
  const missing = packages.filter((p) => p.installed === null).map((p) => p.atom);
  if (missing.length) {
    steps.push(installStep(missing));
    problems.push(`not installed: ${missing.join(', ')}`);
  }
  for (const p of packages.filter((x) => x.missingUse.length)) {
    steps.push(...p.steps);
    problems.push(`${p.installed} lacks USE=${p.missingUse.join(',')}`);
  }
  const allInstalled = packages.every((p) => p.health === 'ok');
  const script = need.service in facts.initScripts ? facts.initScripts[need.service] : null;
  if (missing.length === 0 && script === false) {
    steps.push({ phase: 'install', command: `emerge --ask --oneshot ${need.provider}` });
    problems.push(`/etc/init.d/${need.service} is missing although ${need.provider} is installed`);
  }
  const name = serviceName(need, facts.runlevel);
  const runlevel = facts.runlevel.includes(name);
  if (!runlevel) {
    steps.push({ phase: 'enable', command: `rc-update add ${name} default` });
    problems.push('not in the default runlevel');
  }
  const running: RunState = facts.running[name] ?? 'unknown';
  const live = facts.notLive === null;
  let conflicting = false;
  for (const c of need.conflicts) {
    const on = facts.runlevel.includes(c.service);
    const runs = live && facts.running[c.service] === 'started';
    if (on) steps.push({ phase: 'enable', command: `rc-update del ${c.service} default` });
    if (runs) steps.push({ phase: 'enable', command: `rc-service ${c.service} stop` });
    if (on || runs) conflicting = true;
    if (on || runs) problems.push(`${c.service} is ${on ? 'in the default runlevel' : 'running'} and ${c.why}`);
  }
  // while it is stopped, another program on its port would make its start fail
  const holders = facts.portHolders?.[need.service];
  if (need.port && holders?.length) {
    conflicting = true;
    steps.push({ phase: 'edit', command: `stop ${holders.map(holderText).join('; ')}, or change ${need.port.keys} in site.toml` });
    problems.push(portTakenText(need.port, holders, 'site.toml'));
  }
  if (live && running !== 'started') {
    steps.push({ phase: 'start', command: `rc-service ${name} ${running === 'crashed' || running === 'unsupervised' ? 'restart' : 'start'}` });
    problems.push(running === 'unknown' ? 'not running' : running);
  }
  const blocked = need.issues.some((i) => i.health === 'problem');
  const health: Health = steps.length ? 'problem' : 'ok';
  const state = stateWord({ blocked, allInstalled, runlevel, conflicting, running, live });
  let next: string;
  if (steps.length) next = steps[0].command;
  else if (running === 'started') next = 'nothing to do';
  else next = `nothing to do here; on the running server \`rc-service ${name} status\` tells if it runs`;
  const detail = problems.length ? problems.join('; ') : need.role;
  return { service: name, role: need.role, packages, installed: allInstalled, script, runlevel, running, health, state, detail, next, steps };
}
