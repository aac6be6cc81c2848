// Command-line wiring only: options, commands, and which module runs each one.
// The work is in src/commands/; errors are thrown (src/errors.ts) and printed by main.ts.
import { Command, CommanderError } from 'commander';
import type { GlobalOptions } from './commands/context';
import type { ApplyFlags } from './commands/apply';
import { UsageError, unknownName } from './errors';
import {
  APPLY_OPTIONS, CLIENTS_OPTIONS, DEFAULT_OPTIONS, GET_OPTIONS, GLOBAL_OPTIONS, IMAGE_OPTIONS, RENDER_OPTIONS,
  SERVICE_OPTIONS, STATUS_OPTIONS, TRACE_OPTIONS, type OptionSpec,
} from './options';

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
  service: () => require('./commands/service') as typeof import('./commands/service'),
};

type Opts = GlobalOptions & Record<string, unknown>;

/** Options of the command and of the program: commander gives an option both define to the program. */
function setup(cmd: Command) {
  const opts = cmd.optsWithGlobals() as Opts;
  const ctx = commands.context().makeContext(opts);
  const out = commands.output().makeOut(opts.color as boolean | undefined);
  return { opts, ctx, out };
}

const collectList = (v: string, prev: string[] = []) => prev.concat(v);

/** Declares these options (src/options.ts) to commander, in their order. */
function options(c: Command, specs: readonly OptionSpec[]): Command {
  for (const o of specs) {
    const flags = `${o.short ? `${o.short}, ` : ''}${o.long}${o.value ? ` ${o.value}` : ''}`;
    if (o.repeatable) c.option(flags, o.help, collectList);
    else c.option(flags, o.help);
  }
  return c;
}

const globals = (c: Command) => options(c, GLOBAL_OPTIONS);

/** An action returns its exit code (0, or 1 when it found problems); errors are thrown instead. */
function run<A extends unknown[]>(action: (...args: A) => number | Promise<number>): (...args: A) => Promise<void> {
  return async (...args) => {
    process.exitCode = await action(...args);
  };
}

export function buildProgram(): Command {
  const program = new Command('ltspcfg-ts');
  // a word no command takes is a mistake, not something to ignore: `apply dhcpd` would apply every
  // target (commander allows them by default; the commands below inherit this)
  program.allowExcessArguments(false);
  globals(program)
    .description('Configure a Gentoo LTSP thin-client server from /etc/ltsp/site.toml: show its status, then write every config file, safely.')
    .version(VERSION, '-V, --version', 'print the version');
  options(program, DEFAULT_OPTIONS)
    .action(
      run((_o, cmd: Command) => {
        const { opts, ctx, out } = setup(cmd);
        return commands.configure().runConfigure(ctx, out, { force: !!opts.force });
      }),
    );

  options(globals(program.command('status')), STATUS_OPTIONS)
    .description('show what the site needs and what the system has; exit 1 when something is missing')
    .action(
      run((_o, cmd: Command) => {
        const { opts, ctx, out } = setup(cmd);
        return commands.status().runStatus(ctx, out, !!opts.json);
      }),
    );

  options(globals(program.command('apply')), APPLY_OPTIONS)
    .description('write every generated file that is missing or out of date')
    .action(
      run((_o, cmd: Command) => {
        const { opts, ctx, out } = setup(cmd);
        return commands.apply().runApply(ctx, out, opts as ApplyFlags);
      }),
    );

  options(globals(program.command('render')), RENDER_OPTIONS)
    .description('print one generated file to stdout, as apply would write it')
    .argument('<target>', 'target name (see `ltspcfg-ts targets`)')
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

  options(globals(program.command('get')), GET_OPTIONS)
    .description('print one value of site.toml, defaults applied (arrays space-separated)')
    .argument('<key...>', 'dotted key, e.g. tftp.root or group[1].host[2].mac; with --shell, keys or tables')
    .action(
      run((keys: string[], _o, cmd: Command) => {
        const { opts, ctx } = setup(cmd);
        if (opts.shell) return commands.get().runGetShell(ctx, keys);
        if (keys.length > 1) throw new UsageError(`get: one key at a time (got ${keys.length}); --shell prints several`);
        return commands.get().runGet(ctx, keys[0]);
      }),
    );

  options(globals(program.command('clients')), CLIENTS_OPTIONS)
    .description("each thin client's last boot from the server's logs: stage reached, boot time, first problem with its fix; exit 1 on problems")
    .action(
      run((_o, cmd: Command) => {
        const { opts, ctx, out } = setup(cmd);
        return commands.clients().runClients(ctx, out, opts as import('./commands/clients').ClientsFlags);
      }),
    );

  options(globals(program.command('trace')), TRACE_OPTIONS)
    .description("one client's last boot line by line, each line with its source, and the diagnosis")
    .argument('<client>', 'host name, MAC or address')
    .action(
      run((who: string, _o, cmd: Command) => {
        const { opts, ctx, out } = setup(cmd);
        return commands.clients().runTrace(ctx, out, who, opts as import('./commands/clients').ClientsFlags & { boots?: string });
      }),
    );

  options(globals(program.command('image')), IMAGE_OPTIONS)
    .description('build the [[image]]s: squashfs of the root (nbd), kernel and initramfs in the TFTP root')
    .argument('[names...]', 'only these images (default: all)')
    .action(
      run((names: string[], _o, cmd: Command) => {
        const { opts, ctx, out } = setup(cmd);
        return commands.image().runImage(ctx, out, names, { check: !!opts.check });
      }),
    );

  options(globals(program.command('service')), SERVICE_OPTIONS)
    .description("what ltsp-ts's OpenRC services ask before they start: exit 1, naming why, when site.toml does not call for it (or, with --ports, another program holds its port)")
    .argument('<name>', 'dhcpd.1067 (or an instance, dhcpd.1067.eth1), ltsp-tftpd, ltsp-httpd or ltsp-nbd')
    .action(
      run((name: string, _o, cmd: Command) => {
        const { opts, ctx } = setup(cmd);
        return commands.service().runService(ctx, name, { ports: !!opts.ports });
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
        throw new UsageError(`${e.message.replace(/^error: /, '').replace(/\n/g, ' ').replace(/\.$/, '')}; see ltspcfg-ts${where} --help`);
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
