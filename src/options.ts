// Every option of the command line, written once. src/cli.ts declares them to
// commander from these entries (so --help, the man page's option lists and the
// bash completion come from here), and the plain parsers (src/plain-command.ts)
// read the same entries to tell a plain `get`, `render` or `apply` line from
// every other. Plain data that imports nothing: the launcher carries the part
// it reads (the global options, get's and render's own), so that is all it
// compiles at every start.

export interface OptionSpec {
  /** the long spelling: '--config' */
  readonly long: string;
  /** the one-letter spelling, if any: '-c' */
  readonly short?: string;
  /** what the value is called in --help ('<file>'); none for a flag */
  readonly value?: string;
  /** the property commander sets from it: 'dryRun' for --dry-run, 'color' (false) for --no-color */
  readonly key: string;
  /** the line of --help */
  readonly help: string;
  /** given again, its values are collected into a list */
  readonly repeatable?: true;
}

/** Every command's, before and after the command word. */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { long: '--gentoo', key: 'gentoo', help: "use Gentoo's paths and OpenRC (detected from /etc/gentoo-release)" },
  { long: '--config', short: '-c', value: '<file>', key: 'config', help: 'the site description (default: /etc/ltsp/site.toml under --root)' },
  { long: '--root', short: '-r', value: '<dir>', key: 'root', help: "configure the system staged under DIR, like Portage's ROOT" },
  { long: '--yes', short: '-y', key: 'yes', help: 'write without asking' },
  { long: '--dry-run', short: '-n', key: 'dryRun', help: 'show what would change, write nothing' },
  { long: '--no-color', key: 'color', help: 'no colour, even on a terminal (NO_COLOR works too)' },
];

// the options of more than one command
const force: OptionSpec = { long: '--force', key: 'force', help: 'replace files changed by hand (the old ones are kept)' };
const json: OptionSpec = { long: '--json', key: 'json', help: 'machine-readable output' };
const since: OptionSpec = {
  long: '--since', value: '<when>', key: 'since',
  help: 'read the logs back to this time: 30m, 2h, 1d or a date (default: the last boot of each client)',
};
const log: OptionSpec = {
  long: '--log', value: '<file>', key: 'log', repeatable: true,
  help: 'a system log to read, with its rotations (repeatable; default /var/log/messages)',
};
const stuckAfter: OptionSpec = {
  long: '--stuck-after', value: '<seconds>', key: 'stuckAfter',
  help: 'a client silent this long short of its desktop counts as stuck (default 60)',
};

/** The default action's own (`ltspcfg-ts [OPTIONS]`: status, then apply). */
export const DEFAULT_OPTIONS: readonly OptionSpec[] = [force];

export const STATUS_OPTIONS: readonly OptionSpec[] = [json];

export const APPLY_OPTIONS: readonly OptionSpec[] = [
  { long: '--diff', key: 'diff', help: 'show the diff of every change' },
  { long: '--only', value: '<targets>', key: 'only', help: 'only these targets, comma-separated (see `ltspcfg-ts targets`)' },
  force,
  { long: '--no-check', key: 'check', help: 'do not run the real checkers (dhcpd -t, ...) before writing' },
];

export const RENDER_OPTIONS: readonly OptionSpec[] = [
  { long: '--path', value: '<file>', key: 'path', help: 'which file, for targets that write several' },
];

export const GET_OPTIONS: readonly OptionSpec[] = [
  { long: '--shell', key: 'shell', help: "print shell assignments (tftp_root='/tftpboot'), a table standing for each of its keys" },
];

export const CLIENTS_OPTIONS: readonly OptionSpec[] = [
  json, since, log, stuckAfter,
  { long: '--follow', key: 'follow', help: 'keep watching: a live table on a terminal, one line per change otherwise' },
  { long: '--interval', value: '<ms>', key: 'interval', help: 'with --follow: how often to read the logs again (default 1000)' },
];

export const TRACE_OPTIONS: readonly OptionSpec[] = [
  json, since, log, stuckAfter,
  { long: '--boots', value: '<n>', key: 'boots', help: 'show the last N boots (default 1)' },
];

export const IMAGE_OPTIONS: readonly OptionSpec[] = [
  { long: '--check', key: 'check', help: 'only tell whether the images are built and complete (exit 1 if not)' },
];

export const SERVICE_OPTIONS: readonly OptionSpec[] = [
  { long: '--ports', key: 'ports', help: 'also refuse while another program holds the port the service binds, naming it' },
];
