// The status report's data: every line says how things are and what to do next.
import type { SyslogDaemon } from '../site/schema';
import type { DisplayManagerConf, InstalledPackage, NetInterface, RunState } from '../system/gentoo';
import type { PortHolder } from '../system/ports';

/** ok: nothing to do; problem: the site needs something (exit 1); unknown: cannot be told from here. */
export type Health = 'ok' | 'problem' | 'unknown';

/**
 * When a command comes in the plan of next steps: fix site.toml or a system
 * file first, then install, write the configs, enable, start.
 */
type Phase = 'edit' | 'install' | 'configure' | 'enable' | 'start';
export const PHASES: Phase[] = ['edit', 'install', 'configure', 'enable', 'start'];

export interface Step {
  phase: Phase;
  /** a command to run, or for "edit" an instruction ("set ... in /etc/conf.d/net") */
  command: string;
  /** emerge steps: the atoms, merged into one command in the plan */
  atoms?: string[];
}

/** What src/system read about the configured system, handed to the pure checks. */
export interface SystemFacts {
  /** installed versions per "category/package" asked for (absent key: not asked) */
  packages: Record<string, InstalledPackage[]>;
  /** services in the default runlevel */
  runlevel: string[];
  /** which service scripts exist in /etc/init.d (absent key: not asked) */
  initScripts: Record<string, boolean>;
  /** rc-service status per service (absent key: unknown) */
  running: Record<string, RunState>;
  /** who holds the port of each of ltsp-ts's services that is not running (absent key: not asked) */
  portHolders?: Record<string, PortHolder[]>;
  /** why running states are unknown (a staged root, no OpenRC), null when they were asked */
  notLive: string | null;
  displayManager: DisplayManagerConf;
  /** the live interfaces, null on a staged root */
  interfaces: NetInterface[] | null;
  /** netifrc's config_<iface> addresses from /etc/conf.d/net, null when absent */
  netifrc: Record<string, string[]> | null;
  /** the syslog daemon the platform detection found (what the syslog target configures) */
  platformSyslog?: SyslogDaemon;
}
