// Command-line wiring only: options, commands, and which module runs each one.
// The work is in src/commands/; errors are thrown (src/errors.ts) and printed by main.ts.
import { Command, CommanderError } from 'commander';
import type { GlobalOptions } from './commands/context';
import type { ApplyFlags } from './commands/apply';
import { UsageError, unknownName } from './errors';

declare const LTSPCFG_VERSION: string;
const VERSION = typeof LTSPCFG_VERSION === 'string' ? LTSPCFG_VERSION : '0.0.0-dev';

/* eslint-disable @typescript-eslint/no-require-imports -- commands load on demand: `get` stays fast */
const commands = {
  context: () => require('./commands/context') as typeof import('./commands/context'),
  output: () => require('./commands/output') as typeof import('./commands/output'),
  configure: () => require('./commands/configure') as typeof import('./commands/configure'),
  apply: () => require('./commands/apply') as typeof import('./commands/apply'),
  status: () => require('./commands/status') as typeof import('./commands/status'),
  render: () => require('./commands/render') as typeof import('./commands/render'),
  check: () => require('./commands/check') as typeof import('./commands/check'),
  get: () => require('./commands/get') as typeof import('./commands/get'),
  clients: () => require('./commands/clients') as typeof import('./commands/clients'),
  image: () => require('./commands/image') as typeof import('./commands/image'),
  targets: () => require('./commands/targets') as typeof import('./commands/targets'),
};

type Opts = GlobalOptions & Record<string, unknown>;

/** Options of the command and of the program: commander gives an option both define to the program. */
function setup(cmd: Command) {
  const opts = cmd.optsWithGlobals() as Opts;
  const ctx = commands.context().makeContext(opts);
  const out = commands.output().makeOut(opts.color as boolean | undefined);
  return { opts, ctx, out };
}

const globals = (c: Command) =>
  c
    .option('--gentoo', "use Gentoo's paths and OpenRC (detected from /etc/gentoo-release)")
    .option('-c, --config <file>', 'the site description (default: /etc/ltsp/site.toml under --root)')
    .option('-r, --root <dir>', 'configure the system staged under DIR, like Portage\'s ROOT')
    .option('-y, --yes', 'write without asking')
    .option('-n, --dry-run', 'show what would change, write nothing')
    .option('--no-color', 'no colour, even on a terminal (NO_COLOR works too)');

/** An action returns its exit code (0, or 1 when it found problems); errors are thrown instead. */
function run<A extends unknown[]>(action: (...args: A) => number | Promise<number>): (...args: A) => Promise<void> {
  return async (...args) => {
    process.exitCode = await action(...args);
  };
}

export function buildProgram(): Command {
  const program = new Command('ltspcfg-ts');
  globals(program)
    .description('Configure a Gentoo LTSP thin-client server from /etc/ltsp/site.toml: show its status, then write every config file, safely.')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--force', 'replace files changed by hand (the old ones are kept)')
    .action(
      run((_o, cmd: Command) => {
        const { opts, ctx, out } = setup(cmd);
        return commands.configure().runConfigure(ctx, out, { force: !!opts.force });
      }),
    );

  globals(program.command('status'))
    .description('show what the site needs and what the system has; exit 1 when something is missing')
    .option('--json', 'machine-readable output')
    .action(
      run((_o, cmd: Command) => {
        const { opts, ctx, out } = setup(cmd);
        return commands.status().runStatus(ctx, out, !!opts.json);
      }),
    );

  globals(program.command('apply'))
    .description('write every generated file that is missing or out of date')
    .option('--diff', 'show the diff of every change')
    .option('--only <targets>', 'only these targets, comma-separated (see `ltspcfg-ts targets`)')
    .option('--force', 'replace files changed by hand (the old ones are kept)')
    .option('--no-check', 'do not run the real checkers (dhcpd -t, ...) before writing')
    .action(
      run((_o, cmd: Command) => {
        const { opts, ctx, out } = setup(cmd);
        return commands.apply().runApply(ctx, out, opts as ApplyFlags);
      }),
    );

  globals(program.command('render'))
    .description('print one generated file to stdout, as apply would write it')
    .argument('<target>', 'target name (see `ltspcfg-ts targets`)')
    .option('--path <file>', 'which file, for targets that write several')
    .action(
      run((target: string, _o, cmd: Command) => {
        const { opts, ctx } = setup(cmd);
        return commands.render().runRender(ctx, target, opts.path as string | undefined);
      }),
    );

  globals(program.command('check'))
    .description('validate site.toml and run every generated file through its real checker')
    .action(
      run((_o, cmd: Command) => {
        const { ctx, out } = setup(cmd);
        return commands.check().runCheck(ctx, out);
      }),
    );

  globals(program.command('get'))
    .description('print one value of site.toml, defaults applied (arrays space-separated)')
    .argument('<key...>', 'dotted key, e.g. tftp.root or group[1].host[2].mac; with --shell, keys or tables')
    .option('--shell', "print shell assignments (tftp_root='/tftpboot'), a table standing for each of its keys")
    .action(
      run((keys: string[], _o, cmd: Command) => {
        const { opts, ctx } = setup(cmd);
        if (opts.shell) return commands.get().runGetShell(ctx, keys);
        if (keys.length > 1) throw new UsageError(`get: one key at a time (got ${keys.length}); --shell prints several`);
        return commands.get().runGet(ctx, keys[0]);
      }),
    );

  const collectList = (v: string, prev: string[] = []) => prev.concat(v);
  const logOptions = (c: Command) =>
    c
      .option('--json', 'machine-readable output')
      .option('--since <when>', 'read the logs back to this time: 30m, 2h, 1d or a date (default: the last boot of each client)')
      .option('--log <file>', 'a system log to read, with its rotations (repeatable; default /var/log/messages)', collectList)
      .option('--stuck-after <seconds>', 'a client silent this long short of its desktop counts as stuck (default 60)');

  logOptions(globals(program.command('clients')))
    .description("each thin client's last boot from the server's logs: stage reached, boot time, first problem with its fix; exit 1 on problems")
    .option('--follow', 'keep watching: a live table on a terminal, one line per change otherwise')
    .option('--interval <ms>', 'with --follow: how often to read the logs again (default 1000)')
    .action(
      run((_o, cmd: Command) => {
        const { opts, ctx, out } = setup(cmd);
        return commands.clients().runClients(ctx, out, opts as import('./commands/clients').ClientsFlags);
      }),
    );

  logOptions(globals(program.command('trace')))
    .description("one client's last boot line by line, each line with its source, and the diagnosis")
    .argument('<client>', 'host name, MAC or address')
    .option('--boots <n>', 'show the last N boots (default 1)')
    .action(
      run((who: string, _o, cmd: Command) => {
        const { opts, ctx, out } = setup(cmd);
        return commands.clients().runTrace(ctx, out, who, opts as import('./commands/clients').ClientsFlags & { boots?: string });
      }),
    );

  globals(program.command('image'))
    .description('build the [[image]]s: squashfs of the root (nbd), kernel and initramfs in the TFTP root')
    .argument('[names...]', 'only these images (default: all)')
    .option('--check', 'only tell whether the images are built and complete (exit 1 if not)')
    .action(
      run((names: string[], _o, cmd: Command) => {
        const { opts, ctx, out } = setup(cmd);
        return commands.image().runImage(ctx, out, names, { check: !!opts.check });
      }),
    );

  globals(program.command('targets'))
    .description('list the targets, one per line: name and summary')
    .action(run(() => commands.targets().runTargets()));

  for (const c of [program, ...program.commands]) {
    c.helpOption('-h, --help', c === program ? 'show help for a command' : 'show help for this command')
      // commander's own messages become one line, printed by main.ts like every other error
      .configureOutput({ outputError: () => {} })
      .exitOverride((e) => {
        if (e.exitCode === 0) throw e; // --help, --version
        const where = c === program ? '' : ` ${c.name()}`;
        throw new UsageError(`${e.message.replace(/^error: /, '').replace(/\n/g, ' ')}; see ltspcfg-ts${where} --help`);
      });
  }
  return program;
}

/**
 * A first word that is not a command is a mistake, not an argument of the default
 * action: `ltspcfg-ts stauts --yes` must not write, `ltspcfg-ts image --help` must
 * not print the program's help. Options are parsed as commander will, so that the
 * value of --config or --root is not taken for a command (parsing them twice sets
 * the same values twice).
 */
function refuseUnknownCommand(program: Command, args: string[]): void {
  const { operands } = program.parseOptions(args);
  const word = operands[0];
  const names = program.commands.map((c) => c.name());
  if (word !== undefined && !names.includes(word)) throw unknownName('', 'command', word, names);
}

/** Runs the command line and sets process.exitCode; throws a CliError (src/errors.ts). */
export async function runCli(argv: string[]): Promise<void> {
  try {
    const program = buildProgram();
    refuseUnknownCommand(program, argv.slice(2));
    await program.parseAsync(argv);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    process.exitCode = e.exitCode; // --help or --version, already printed
  }
}
