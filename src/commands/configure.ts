// The default action, `ltspcfg-ts [--yes]`: the status report, then apply, in
// one pass: the site is read once and every target planned once; apply
// carries out the plan the report showed.
import { makeReport, reportFor, runStatus } from './status';
import { applyPlan } from './apply';
import type { Context } from './context';
import type { Out } from './output';

/** Returns the exit code: 1 while anything the site needs is still missing after the writes. */
export async function runConfigure(ctx: Context, out: Out, flags: { force: boolean }): Promise<number> {
  const status = makeReport(ctx);
  const statusCode = runStatus(ctx, out, false, status);
  out.line();
  const { code: applyCode, written } = await applyPlan(ctx, out, flags, status.inspection);
  if (statusCode === 0 || applyCode !== 0) return Math.max(applyCode, statusCode);
  // what is left: the same plan, with what apply wrote now in place (the trees looked at again)
  const done = new Set(written);
  // copied key by key: a spread followed by more keys gives every object a hidden class of its own in V8
  const files = status.inspection.files.map((f) => (done.has(f) ? Object.assign({}, f, { state: 'current' as const, current: f.desired }) : f));
  return reportFor(ctx, status.site, status.facts, files, status.inspection.notes).problems ? 1 : 0;
}
