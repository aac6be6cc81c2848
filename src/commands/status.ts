// status: what the site needs and what the system has.
import { targets } from '../targets';
import { inspect, type FileState } from '../system/inspect';
import { loadSite, type Context } from './context';
import type { Out } from './output';

const PROBLEM: Partial<Record<FileState, string>> = {
  missing: 'ltspcfg-ts apply',
  stale: 'ltspcfg-ts apply',
  drifted: 'ltspcfg-ts apply --diff (then --force to replace the hand edit)',
  unmanaged: 'ltspcfg-ts apply --diff (then --force to replace it)',
};

export function runStatus(ctx: Context, out: Out, json: boolean): number {
  const { site } = loadSite(ctx);
  const files = inspect(site, ctx.platform, targets, ctx.sys).files.filter((f) => f.kind !== 'tree');
  const rows = files.map((f) => ({
    target: f.target,
    path: f.path,
    state: f.state,
    next: f.state === 'unavailable' ? f.hint : PROBLEM[f.state],
  }));
  const bad = rows.filter((r) => r.next).length;
  if (json) {
    out.line(JSON.stringify({ site: ctx.configPath, root: ctx.sys.root, gentoo: ctx.platform.gentoo, files: rows, problems: bad }, null, 2));
    return bad ? 1 : 0;
  }
  out.line(out.paint('bold', `Generated files (${ctx.configPath}):`));
  const width = Math.max(...rows.map((r) => r.path.length), 10);
  for (const r of rows) {
    const colour = r.state === 'current' ? 'green' : r.state === 'drifted' || r.state === 'unmanaged' ? 'red' : 'yellow';
    out.line(`  ${out.paint(colour, r.state.padEnd(12))}${r.path.padEnd(width)}  ${r.next ? `-> ${r.next}` : ''}`.trimEnd());
  }
  return bad ? 1 : 0;
}
