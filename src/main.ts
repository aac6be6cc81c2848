// Entry point of the bundled ltspcfg-ts: runs the command line and prints what
// went wrong, one line a problem, never a stack trace. Exit codes: 0 fine,
// 1 problems found or a checker refused a file, 2 bad usage or invalid site.toml.
import { CliError } from './errors';
import { escapeControl } from './site/chars';
import { plainGet, runPlainGet } from './get-fast';

async function main(argv: string[]): Promise<void> {
  // the services' `get KEY` without commander (nor process.stdout); everything else through the whole command line
  const get = plainGet(argv.slice(2));
  if (get) {
    process.exitCode = runPlainGet(get);
    return;
  }
  // `ltspcfg-ts status | head`: a reader that goes away ends the output, not the program with a trace
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  await (require('./cli') as typeof import('./cli')).runCli(argv);
}

main(process.argv).catch((e: unknown) => {
  const known = e instanceof CliError;
  // anything else is unexpected (an unreadable file under --root, a defect): its message, still one line
  const lines = known ? e.lines() : [`ltspcfg-ts: ${e instanceof Error ? e.message : String(e)}`];
  for (const line of lines) process.stderr.write(escapeControl(line.replace(/\s*\n\s*/g, ' ')) + '\n');
  process.exitCode = known ? e.exitCode : 1;
});
