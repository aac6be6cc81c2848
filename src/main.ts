// Entry point of the bundled ltspcfg-ts: runs the CLI and maps errors to exit codes
// (0 fine, 1 problems found or a checker refused a file, 2 bad usage or invalid site.toml).
import { CommanderError } from 'commander';
import { buildProgram } from './cli';
import { SiteError } from './site/errors';

function fail(code: number, message: string): never {
  process.stderr.write(message.endsWith('\n') ? message : message + '\n');
  process.exit(code);
}

// `ltspcfg-ts status | head`: a reader that goes away ends the output, not the program with a trace
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

async function main(): Promise<void> {
  const program = buildProgram((code) => {
    process.exitCode = code;
  });
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; usage errors were already printed by commander
      process.exit(e.exitCode === 0 ? 0 : 2);
    }
    if (e instanceof SiteError) fail(2, e.message);
    const { UsageError } = require('./commands/context') as typeof import('./commands/context');
    if (e instanceof UsageError) fail(2, `ltspcfg-ts: ${e.message}`);
    const { RenderError } = require('./commands/render') as typeof import('./commands/render');
    if (e instanceof RenderError) fail(1, `ltspcfg-ts: ${e.message}`);
    const { ImageError } = require('./system/image') as typeof import('./system/image');
    if (e instanceof ImageError) fail(1, `ltspcfg-ts: ${e.message}`);
    const { WriteError } = require('./system/write') as typeof import('./system/write');
    if (e instanceof WriteError) fail(1, `ltspcfg-ts: cannot write ${e.message}; nothing was changed`);
    fail(1, `ltspcfg-ts: ${(e as Error).stack ?? e}`);
  }
}

void main();
