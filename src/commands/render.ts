// render TARGET: one generated file on stdout, exactly as apply would write it.
import { findTarget } from '../targets';
import { Problem, UsageError } from '../errors';
import { keptOrMade, type Context } from './context';

export function runRender(ctx: Context, name: string, pathOption: string | undefined): number {
  const target = findTarget(name, 'render');
  // the services render at every start: the validated Site is kept for an unchanged site.toml
  const site = keptOrMade(ctx, 'site', (loaded) => loaded.site);
  const items = target.plan(site, ctx.platform).filter((i) => i.kind === 'file' || i.kind === 'edit');
  if (items.length === 0) {
    const why = target.whyNoFile(site, ctx.platform) ?? 'it plans none';
    throw new Problem(`render: target ${name} writes no file for this site: ${why}`);
  }
  const item = pathOption ? items.find((i) => i.path === pathOption) : items.length === 1 ? items[0] : undefined;
  if (!item) {
    const paths = items.map((i) => i.path).join(', ');
    throw new UsageError(pathOption ? `render: target ${name} writes no ${pathOption}; it writes ${paths}` : `render: target ${name} writes ${items.length} files; choose one with --path: ${paths}`);
  }
  process.stdout.write(item.kind === 'file' ? item.content : item.edit(ctx.sys.readText(item.path)));
  return 0;
}
