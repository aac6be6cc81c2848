// The default action, `ltspcfg-ts [--yes]`: the status report, then apply.
import { makeReport, runStatus } from './status';
import { runApply } from './apply';
import type { Context } from './context';
import type { Out } from './output';

/** Returns the exit code: 1 while anything the site needs is still missing after the writes. */
export async function runConfigure(ctx: Context, out: Out, flags: { force: boolean }): Promise<number> {
  const statusCode = runStatus(ctx, out, false);
  out.line();
  const applyCode = await runApply(ctx, out, flags);
  if (statusCode === 0 || applyCode !== 0) return Math.max(applyCode, statusCode);
  return makeReport(ctx).report.problems ? 1 : 0;
}
