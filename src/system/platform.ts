// What kind of system is being configured, read from the files under --root:
// Gentoo or not, the syslog daemon it runs and the display manager it starts
// (what the syslog and xdmcp targets configure when site.toml says "auto").
import type { Platform } from '../targets/types';
import { SYSLOG_DAEMONS, type SyslogDaemon } from '../site/schema';
import type { SystemRoot } from './fsroot';
import { installedVersions, readDisplayManager, runlevelServices } from './gentoo';

/** The one syslog daemon in the default runlevel, else the one installed; none when that is not exactly one. */
function detectSyslog(sys: SystemRoot): SyslogDaemon | undefined {
  const enabled = runlevelServices(sys, 'default');
  for (const has of [(d: string) => enabled.includes(d), (d: string) => installedVersions(sys, `app-admin/${d}`).length > 0]) {
    const hits = SYSLOG_DAEMONS.filter(has);
    if (hits.length === 1) return hits[0];
  }
  return undefined;
}

export function detectPlatform(sys: SystemRoot, forceGentoo: boolean): Platform {
  const platform: Platform = { gentoo: forceGentoo || sys.exists('/etc/gentoo-release') };
  const syslogDaemon = detectSyslog(sys);
  if (syslogDaemon) platform.syslogDaemon = syslogDaemon;
  const dm = readDisplayManager(sys).value;
  if (dm) platform.displayManager = dm;
  return platform;
}
