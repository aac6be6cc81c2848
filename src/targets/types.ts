// What a target produces. A target is a pure function: it reads the validated
// Site and the Platform, and returns what should exist on disk. It never
// touches the machine; src/system/ does that.
import type { SyslogDaemon } from '../site/schema';
import type { Site } from '../site/types';

/** Where things live on the system being configured (Gentoo, or a staged root). */
export interface Platform {
  gentoo: boolean;
  /** the syslog daemon the system runs (default runlevel or vdb); absent: not detected */
  syslogDaemon?: SyslogDaemon;
  /** DISPLAYMANAGER= of /etc/conf.d/display-manager, the program's name in lower case (gdm, sddm...); absent: not set */
  displayManager?: string;
}

/** A file the target owns whole. */
export interface WholeFile {
  kind: 'file';
  /** absolute path on the configured system (--root is added by src/system) */
  path: string;
  content: string;
  mode: number;
  owner?: string; // default root
  group?: string; // default root
  /** a real program that must accept the file, run by `check` and before `apply` writes */
  checker?: Checker;
}

/**
 * A change inside a file another package owns (/etc/hosts, a display manager's
 * config): a pure function from the current text to the new one, and the part
 * of the file it owns, so that a hand edit of that part is detected.
 * Build one with markedBlock() from ./edits, or write your own.
 */
export interface FileEdit {
  kind: 'edit';
  path: string;
  /** the new text, from the current one (null: the file does not exist yet) */
  edit(current: string | null): string;
  /** the text of the part this edit owns in a file (null: not there) */
  owned(current: string | null): string | null;
  /** mode for the file when it does not exist yet */
  mode: number;
  checker?: Checker;
}

/** A file copied from the system (bootloaders), looked up under --root first. */
export interface CopiedFile {
  kind: 'copy';
  path: string;
  /** candidate sources in order of preference */
  from: string[];
  mode: number;
  owner?: string;
  group?: string;
  /** what to install when no candidate exists, e.g. "emerge --ask sys-boot/syslinux" */
  missingHint: string;
}

/** A directory that must exist (keepdir-like). */
export interface Directory {
  kind: 'dir';
  path: string;
  mode: number;
  owner?: string;
  group?: string;
}

/**
 * A tree handed to an unprivileged user (the TFTP root): everything under it
 * owned by owner:group, files world-readable, directories traversable; symlinks
 * are never followed and nothing outside the tree is changed.
 */
interface TreeOwnership {
  kind: 'tree';
  path: string;
  owner: string;
  group: string;
}

export type PlannedItem = WholeFile | FileEdit | CopiedFile | Directory | TreeOwnership;

export interface Checker {
  /** program name, looked up on PATH and in /usr/sbin, /sbin */
  program: string;
  /** arguments; the literal "{}" is replaced by the path of the file to check */
  args: string[];
  /** what it is, for messages: "dhcpd -t" */
  label: string;
  /** when `program` is a wrapper (sh): the real checker, which must be installed, else the check is skipped */
  requires?: string;
}

export interface Target {
  /** the name used by --only and render, e.g. "dhcpd", "lts.conf" */
  name: string;
  summary: string;
  /** the items this site needs from this target; [] when the site does not use it */
  plan(site: Site, platform: Platform): PlannedItem[];
  /**
   * Why the plan holds no file for this site, naming the setting that decides
   * ("firewall.enabled = false"); undefined when it holds one. `render` says it.
   */
  whyNoFile(site: Site, platform: Platform): string | undefined;
  /** things the admin must do by hand, printed by apply (dhcp.mode = "none") */
  notes?(site: Site, platform: Platform): string[];
}
