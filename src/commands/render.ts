// render TARGET: one generated file on stdout, exactly as apply would write it.
import { findTarget, targets } from '../targets';
import { nearest } from '../site/validate';
import { loadSite, UsageError, type Context } from './context';

export class RenderError extends Error {}

export function runRender(ctx: Context, name: string, pathOption: string | undefined): string {
  const target = findTarget(name);
  if (!target) {
    const guess = nearest(name, targets.map((t) => t.name));
    throw new UsageError(`render: unknown target "${name}"; ${guess ? `did you mean "${guess}"? ` : ''}targets: ${targets.map((t) => t.name).join(', ')}`);
  }
  const { site } = loadSite(ctx);
  const items = target.plan(site, ctx.platform).filter((i) => i.kind === 'file' || i.kind === 'edit');
  if (items.length === 0) throw new RenderError(`render: target ${name} writes no file for this site (dhcp.mode = ${site.dhcp.mode}, tftp.launcher = ${site.tftp.launcher})`);
  const item = pathOption ? items.find((i) => i.path === pathOption) : items.length === 1 ? items[0] : undefined;
  if (!item) {
    const paths = items.map((i) => i.path).join(', ');
    throw new UsageError(pathOption ? `render: target ${name} writes no ${pathOption}; it writes ${paths}` : `render: target ${name} writes ${items.length} files; choose one with --path: ${paths}`);
  }
  return item.kind === 'file' ? item.content : item.edit(ctx.sys.readText(item.path));
}
