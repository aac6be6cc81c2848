// Entry point of the get bundle (dist/ltspcfg-ts.get.js), which the launcher
// runs for a plain `get KEY` / `get --shell KEY...` (src/get-fast.ts): the same
// site modules as the whole CLI (TOML, schema, the site's rules), without
// commander, the targets or Handlebars, so that the services' most frequent
// call compiles and loads a fifth of the code. Same output, errors and exit codes.
import { reportFailure, UsageError } from './errors';
import { plainGet } from './get-fast';
import { runPlainGet } from './commands/get';

const get = plainGet(process.argv.slice(2));
try {
  // the launcher sends nothing else; anything else run straight here is bad usage
  process.exitCode = get ? runPlainGet(get) : reportFailure(new UsageError('this bundle runs `get KEY` only; run ltspcfg-ts'));
} catch (e) {
  process.exitCode = reportFailure(e);
}
