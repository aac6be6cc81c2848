// Entry point of the bundled ltspcfg-ts: runs the command line and prints what
// went wrong, one line a problem, never a stack trace. Exit codes: 0 fine,
// 1 problems found or a checker refused a file, 2 bad usage or invalid site.toml.
import { reportFailure } from './errors';
import { plainGet } from './get-fast';
import { plainApply } from './commands/apply-line';

/**
 * Runs `made` on process.stdout when something first uses it: making it loads
 * node's streams, which most commands never need (their lines go straight to
 * descriptor 1, src/commands/output.ts).
 */
function onStdoutMade(made: (stdout: NodeJS.WriteStream) => void): void {
  const own = Object.getOwnPropertyDescriptor(process, 'stdout');
  if (!own?.get || !own.configurable) return made(process.stdout) as undefined;
  let stdout: NodeJS.WriteStream | undefined;
  Object.defineProperty(process, 'stdout', {
    configurable: true,
    enumerable: own.enumerable,
    get() {
      if (!stdout) {
        stdout = own.get!.call(process) as NodeJS.WriteStream;
        made(stdout);
      }
      return stdout;
    },
  });
}

async function main(argv: string[]): Promise<void> {
  // a plain `get KEY` without commander (nor process.stdout); the installed launcher
  // sends it to the get bundle (src/get-main.ts) instead, so this is for other ways in
  const get = plainGet(argv.slice(2));
  if (get) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    process.exitCode = (require('./commands/get') as typeof import('./commands/get')).runPlainGet(get);
    return;
  }
  // `ltspcfg-ts status | head`: a reader that goes away ends the output, not the command (nor with a trace)
  // and a write that fails (`> /dev/full`) is one line and exit 1, not an uncaught exception's trace
  onStdoutMade((stdout) =>
    stdout.on('error', (e: NodeJS.ErrnoException) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      (require('./commands/output') as typeof import('./commands/output')).stdoutGone();
      if (e.code === 'EPIPE') return;
      process.exitCode = reportFailure(e);
      // a command that returns 0 after this (its lines went to a failing stdout) did not do its job
      process.once('exit', (code) => {
        if (!code) process.exitCode = 1;
      });
    }),
  );
  // a plain `apply` (a service's or a script's `apply --yes --only TARGET`) without building commander's program
  const apply = plainApply(argv.slice(2));
  if (apply) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    process.exitCode = await (require('./commands/apply') as typeof import('./commands/apply')).runPlainApply(apply);
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  await (require('./cli') as typeof import('./cli')).runCli(argv);
}

main(process.argv).catch((e: unknown) => {
  process.exitCode = reportFailure(e);
});
