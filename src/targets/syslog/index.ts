// Remote syslog: the thin clients' logs, received on the server's address from
// the thin-client subnets only, one file per client under syslog.log_dir.
// For whichever daemon the server runs: site.toml names it (syslog.daemon) or
// the system layer detects it (platform.syslogDaemon); syslog-ng otherwise.
//
// - syslog-ng: /etc/syslog-ng/conf.d/ltsp-ts.conf, and an @include of it in a
//   marked block of syslog-ng.conf, because Gentoo's default syslog-ng.conf
//   includes nothing from conf.d (the block is left out when the file already
//   includes the whole conf.d directory).
// - rsyslog: /etc/rsyslog.d/ltsp-ts.conf (Gentoo's rsyslog.conf includes
//   /etc/rsyslog.d/*.conf), with its own inputs and ruleset.
// - sysklogd 2.x: remote reception is the absence of -s (secure mode) and the
//   -b (listen address) and -a (allowed peers) options in SYSLOGD of
//   /etc/conf.d/sysklogd; -r is log rotation now, never remote. Rules go to
//   /etc/syslog.d/ltsp-ts.conf, which sysklogd's syslog.conf includes.
import type { SyslogDaemon } from '../../site/schema';
import type { Site } from '../../site/types';
import { generatedHeader, render } from '../template';
import type { Checker, FileEdit, PlannedItem, Target } from '../types';
import { markedBlock } from '../edits';
import { namedKeys, shellOptions } from '../edits-keys';
import { clientSubnets, subnetRange } from '../subnets';
import syslogNgTemplate from './syslog-ng.conf.hbs';
import rsyslogTemplate from './rsyslog.conf.hbs';
import sysklogdTemplate from './sysklogd.conf.hbs';

export const SYSLOG_NG_FILE = '/etc/syslog-ng/conf.d/ltsp-ts.conf';
export const SYSLOG_NG_MAIN = '/etc/syslog-ng/syslog-ng.conf';
export const RSYSLOG_FILE = '/etc/rsyslog.d/ltsp-ts.conf';
export const SYSKLOGD_FILE = '/etc/syslog.d/ltsp-ts.conf';
export const SYSKLOGD_CONFD = '/etc/conf.d/sysklogd';

/**
 * The daemon to configure, for this target and for status: syslog.daemon, or with
 * "auto" the one the platform detection found (platform.syslogDaemon), else syslog-ng.
 */
export function syslogDaemon(site: Site, detected: SyslogDaemon | undefined): { daemon: SyslogDaemon; how: 'site.toml' | 'detected' | 'default' } {
  if (site.syslog.daemon !== 'auto') return { daemon: site.syslog.daemon, how: 'site.toml' };
  if (detected) return { daemon: detected, how: 'detected' };
  return { daemon: 'syslog-ng', how: 'default' };
}

function view(site: Site) {
  return {
    header: generatedHeader('#', site).trimEnd(),
    address: site.server.address,
    udpPort: site.syslog.udpPort,
    tcpPort: site.syslog.tcpPort,
    logDir: site.syslog.logDir,
  };
}

/**
 * syslog-ng's own parser on the fragment: a conf.d file has no @version line
 * (it belongs to the main file), so the check wraps it in a two-line main file.
 */
const syslogNgChecker: Checker = {
  program: 'sh',
  args: [
    '-c',
    'PATH="$PATH:/usr/sbin:/sbin"; printf \'@version: current\\n@include "%s"\\n\' "$1" >"$1.main" && syslog-ng --syntax-only -f "$1.main"',
    'syslog-ng-check',
    '{}',
  ],
  label: 'syslog-ng --syntax-only',
  requires: 'syslog-ng',
};

const rsyslogChecker: Checker = { program: 'rsyslogd', args: ['-N1', '-f', '{}'], label: 'rsyslogd -N1' };

/** an @include line or a glob that already pulls our file into syslog-ng.conf */
function includesConfD(text: string): boolean {
  return text
    .split('\n')
    .some((line) => /^\s*@include\s+"\/etc\/syslog-ng\/conf\.d(\/?|\/\*|\/\*\.conf|\/ltsp-ts\.conf)"/.test(line) && !line.includes('BEGIN ltsp-ts'));
}

/** The @include of our fragment in syslog-ng.conf, unless the file includes conf.d already. */
function syslogNgInclude(): FileEdit {
  const block = markedBlock({ path: SYSLOG_NG_MAIN, content: `@include "${SYSLOG_NG_FILE}"\n`, comment: '#', mode: 0o644 });
  return {
    ...block,
    edit(current) {
      // no syslog-ng.conf (syslog-ng not installed yet): the smallest file syslog-ng accepts
      if (current === null) return `@version: current\n${block.edit(null)}`;
      const at = block.owned(current);
      const rest = at === null ? current : current.replace(at, '');
      if (includesConfD(rest)) return rest;
      return block.edit(current);
    },
  };
}

export function syslogItems(site: Site, daemon: SyslogDaemon): PlannedItem[] {
  const { udpPort, logDir } = site.syslog;
  const subnets = clientSubnets(site);
  const items: PlannedItem[] = [{ kind: 'dir', path: logDir, mode: 0o750 }];
  switch (daemon) {
    case 'syslog-ng': {
      const content = render(syslogNgTemplate, { ...view(site), subnets: subnets.map((s) => s.cidr) });
      items.push({ kind: 'file', path: SYSLOG_NG_FILE, content, mode: 0o644, checker: syslogNgChecker }, syslogNgInclude());
      break;
    }
    case 'rsyslog': {
      const ranges = subnets.map((s) => {
        const [first, last] = subnetRange(s);
        return { first, last, cidr: s.cidr };
      });
      const content = render(rsyslogTemplate, { ...view(site), ranges });
      items.push({ kind: 'file', path: RSYSLOG_FILE, content, mode: 0o644, checker: rsyslogChecker });
      break;
    }
    case 'sysklogd': {
      if (udpPort === 0) break;
      const hosts = site.hosts.filter((h) => h.address).map((h) => h.name);
      const content = render(sysklogdTemplate, { ...view(site), hosts });
      const add = ['-b', `${site.server.address}:${udpPort}`];
      for (const s of subnets) add.push('-a', `${s.cidr}:*`);
      items.push(
        { kind: 'file', path: SYSKLOGD_FILE, content, mode: 0o644 },
        namedKeys({
          path: SYSKLOGD_CONFD,
          mode: 0o644,
          format: 'shell',
          keys: [
            {
              key: 'SYSLOGD',
              value: (current) =>
                shellOptions(
                  current,
                  [
                    { flag: '-s', arg: false },
                    { flag: '-b', arg: true },
                    { flag: '-a', arg: true },
                  ],
                  add,
                ),
            },
          ],
        }),
      );
      break;
    }
  }
  return items;
}

/** Why no log reaches the server: both ports off, or sysklogd (UDP only) with the UDP port off. */
function unused(site: Site, daemon: SyslogDaemon): string | undefined {
  const { udpPort, tcpPort } = site.syslog;
  if (udpPort === 0 && tcpPort === 0) return 'syslog.udp_port and syslog.tcp_port are both 0';
  if (daemon === 'sysklogd' && udpPort === 0) return 'sysklogd receives over UDP only and syslog.udp_port is 0';
  return undefined;
}

export const syslog: Target = {
  name: 'syslog',
  summary: 'remote syslog for the thin clients (syslog-ng, rsyslog or sysklogd), one log file per client',
  whyNoFile: (site, platform) => unused(site, syslogDaemon(site, platform.syslogDaemon).daemon),
  plan(site, platform) {
    const { udpPort, tcpPort } = site.syslog;
    if (udpPort === 0 && tcpPort === 0) return [];
    return syslogItems(site, syslogDaemon(site, platform.syslogDaemon).daemon);
  },
  notes(site, platform) {
    const notes: string[] = [];
    const { udpPort, tcpPort } = site.syslog;
    const { daemon, how } = syslogDaemon(site, platform.syslogDaemon);
    const lost = unused(site, daemon);
    if (udpPort === 0 && tcpPort === 0) return [`${lost}: the thin clients' logs are not received`];
    if (how === 'default') notes.push('no syslog daemon detected (syslog.daemon = "auto"): configuring syslog-ng; set syslog.daemon in site.toml to choose');
    if (daemon === 'sysklogd' && tcpPort !== 0) notes.push(`sysklogd receives over UDP only: syslog.tcp_port ${tcpPort} is not used`);
    if (lost) notes.push(`${lost}: the thin clients' logs are not received`);
    if (daemon === 'sysklogd') notes.push(`sysklogd names files by host only for the thin clients with a fixed address; every client also logs to ${site.syslog.logDir}/clients.log`);
    return notes;
  },
};
