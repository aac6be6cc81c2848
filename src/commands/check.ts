// check: the site is valid and every generated file is accepted by its real checker.
import { targets } from '../targets';
import { runChecker } from '../system/checkers';
import { inspect } from '../system/inspect';
import { siteOf, type Context } from './context';
import type { Out } from './output';

export function runCheck(ctx: Context, out: Out): number {
  const site = siteOf(ctx);
  out.line(`${ctx.configPath}: valid (${site.hosts.length} host(s) in ${site.groups.length} group(s), dhcp.mode = ${site.dhcp.mode})`);
  let refused = 0;
  for (const f of inspect(site, ctx.platform, targets, ctx.sys).files) {
    if (!f.checker || !f.desired) continue;
    const r = runChecker(f.checker, f.path, f.desired);
    if (r.result === 'accepted') out.line(`  ${out.paint('green', 'ok'.padEnd(9))}${f.path}  (${r.label})`);
    else if (r.result === 'skipped') out.line(`  ${out.paint('yellow', 'skipped'.padEnd(9))}${f.path}  (${r.label}: ${r.why})`);
    else {
      refused++;
      out.line(`  ${out.paint('red', 'refused'.padEnd(9))}${f.path}  (${r.label}):`);
      out.line(r.output.split('\n').map((l) => `      ${l}`).join('\n'));
    }
  }
  return refused ? 1 : 0;
}
