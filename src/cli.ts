// Command-line wiring only: options, commands, exit codes. The work is in src/commands/.
import { Command, Option } from 'commander';
import type { GlobalOptions } from './commands/context';

declare const LTSPCFG_VERSION: string;
const VERSION = typeof LTSPCFG_VERSION === 'string' ? LTSPCFG_VERSION : '0.0.0-dev';

/* eslint-disable @typescript-eslint/no-require-imports -- commands load on demand: `get` stays fast */
const commands = {
  context: () => require('./commands/context') as typeof import('./commands/context'),
  output: () => require('./commands/output') as typeof import('./commands/output'),
  apply: () => require('./commands/apply') as typeof import('./commands/apply'),
  status: () => require('./commands/status') as typeof import('./commands/status'),
  render: () => require('./commands/render') as typeof import('./commands/render'),
  check: () => require('./commands/check') as typeof import('./commands/check'),
  get: () => require('./commands/get') as typeof import('./commands/get'),
  targets: () => require('./targets') as typeof import('./targets'),
};

/** Options of the command and of the program: commander gives an option both define to the program. */
function setup(cmd: Command) {
  const opts = cmd.optsWithGlobals() as GlobalOptions & Record<string, unknown>;
  const ctx = commands.context().makeContext(opts);
  const out = commands.output().makeOut(opts.color as boolean | undefined);
  return { opts, ctx, out };
}

export function buildProgram(exit: (code: number) => void): Command {
  const program = new Command('ltspcfg-ts');
  const globals = (c: Command) =>
    c
      .option('--gentoo', "use Gentoo's paths and OpenRC (detected from /etc/gentoo-release)")
      .option('-c, --config <file>', 'the site description (default: /etc/ltsp/site.toml under --root)')
      .option('-r, --root <dir>', 'configure the system staged under DIR, like Portage\'s ROOT')
      .option('-y, --yes', 'write without asking')
      .option('-n, --dry-run', 'show what would change, write nothing')
      .option('--no-color', 'no colour, even on a terminal (NO_COLOR works too)');

  globals(program)
    .description('Configure a Gentoo LTSP thin-client server from /etc/ltsp/site.toml: show its status, then write every config file, safely.')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .option('--force', 'replace files changed by hand (the old ones are kept)')
    .showHelpAfterError()
    .exitOverride()
    .action(async (_o, cmd: Command) => {
      const { opts, ctx, out } = setup(cmd);
      const statusCode = commands.status().runStatus(ctx, out, false);
      out.line();
      const applyCode = await commands.apply().runApply(ctx, out, { force: !!opts.force });
      // exit 1 while anything the site needs is still missing after the writes
      const remaining = statusCode === 0 || applyCode !== 0 ? statusCode : commands.status().makeReport(ctx).report.problems ? 1 : 0;
      exit(Math.max(applyCode, remaining));
    });

  globals(program.command('status'))
    .description('show what the site needs and what the system has; exit 1 when something is missing')
    .option('--json', 'machine-readable output')
    .action((_o, cmd: Command) => {
      const { opts, ctx, out } = setup(cmd);
      exit(commands.status().runStatus(ctx, out, !!opts.json));
    });

  globals(program.command('apply'))
    .description('write every generated file that is missing or out of date')
    .option('--diff', 'show the diff of every change')
    .option('--only <targets>', 'only these targets, comma-separated (see `ltspcfg-ts targets`)')
    .option('--force', 'replace files changed by hand (the old ones are kept)')
    .option('--no-check', 'do not run the real checkers (dhcpd -t, ...) before writing')
    .action(async (_o, cmd: Command) => {
      const { opts, ctx, out } = setup(cmd);
      exit(await commands.apply().runApply(ctx, out, opts as import('./commands/apply').ApplyFlags));
    });

  globals(program.command('render'))
    .description('print one generated file to stdout, as apply would write it')
    .argument('<target>', 'target name (see `ltspcfg-ts targets`)')
    .option('--path <file>', 'which file, for targets that write several')
    .action((target: string, _o, cmd: Command) => {
      const { opts, ctx } = setup(cmd);
      process.stdout.write(commands.render().runRender(ctx, target, opts.path as string | undefined));
      exit(0);
    });

  globals(program.command('check'))
    .description('validate site.toml and run every generated file through its real checker')
    .action((_o, cmd: Command) => {
      const { ctx, out } = setup(cmd);
      exit(commands.check().runCheck(ctx, out));
    });

  globals(program.command('get'))
    .description('print one value of site.toml, defaults applied (arrays space-separated)')
    .argument('<key...>', 'dotted key, e.g. tftp.root or group[1].host[2].mac; with --shell, keys or tables')
    .option('--shell', "print shell assignments (tftp_root='/tftpboot'), a table standing for each of its keys")
    .action((keys: string[], _o, cmd: Command) => {
      const { opts, ctx } = setup(cmd);
      const get = commands.get();
      if (!opts.shell && keys.length > 1) throw new (commands.context().UsageError)(`get: one key at a time (got ${keys.length}); --shell prints several`);
      const loaded = commands.context().loadSite(ctx);
      process.stdout.write((opts.shell ? get.runGetShell(loaded, keys) : get.runGet(loaded, keys[0])) + '\n');
      exit(0);
    });

  globals(program.command('targets'))
    .description('list the targets, one per line: name and summary')
    .action(() => {
      for (const t of commands.targets().targets) process.stdout.write(`${t.name}\t${t.summary}\n`);
      exit(0);
    });

  for (const c of program.commands) c.exitOverride().showHelpAfterError().helpOption('-h, --help', 'show help for this command');
  return program;
}
