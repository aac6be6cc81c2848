// render TARGET: one generated file on stdout, exactly as apply would write it.
import { findTarget } from '../targets';
import type { Platform } from '../targets/types';
import { Problem, UsageError } from '../errors';
import { siteCacheRef, writeKeptRender } from '../system/site-cache';
import { keptSiteFrom, type Context } from './context';
import { writeStdout } from './output';

/** The platform of the run, telling `seen` when a target looks at it. */
function watchedPlatform(ctx: Context, seen: () => void): Platform {
  const real = () => {
    seen();
    return ctx.platform;
  };
  return new Proxy({} as Platform, {
    get: (_t, key) => Reflect.get(real(), key),
    has: (_t, key) => Reflect.has(real(), key),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_t, key) => Reflect.getOwnPropertyDescriptor(real(), key),
  });
}

export function runRender(ctx: Context, name: string, pathOption: string | undefined): number {
  const target = findTarget(name, 'render');
  // the services render at every start: the validated Site is kept for an unchanged site.toml
  const { value: site, bytes } = keptSiteFrom(ctx);
  let platformSeen = false;
  const platform = watchedPlatform(ctx, () => (platformSeen = true));
  const items = target.plan(site, platform).filter((i) => i.kind === 'file' || i.kind === 'edit');
  if (items.length === 0) {
    const why = target.whyNoFile(site, ctx.platform) ?? 'it plans none';
    throw new Problem(`render: target ${name} writes no file for this site: ${why}`);
  }
  const item = pathOption ? items.find((i) => i.path === pathOption) : items.length === 1 ? items[0] : undefined;
  if (!item) {
    const paths = items.map((i) => i.path).join(', ');
    throw new UsageError(pathOption ? `render: target ${name} writes no ${pathOption}; it writes ${paths}` : `render: target ${name} writes ${items.length} files; choose one with --path: ${paths}`);
  }
  const output = item.kind === 'file' ? item.content : item.edit(ctx.sys.readText(item.path));
  writeStdout(output);
  // and again from the launcher, without loading the CLI, while nothing it was made from changes
  // (src/render-fast.ts): not an edit (made from the file it edits) nor what the platform decided
  const ref = siteCacheRef();
  if (ref && bytes && item.kind === 'file' && !platformSeen) {
    const tftp = { root: site.tftp.root, real: ctx.sys.realPath(site.tftp.root) };
    writeKeptRender(ref, ctx.configPath, ctx.sys.root, { target: name, path: pathOption ?? '' }, bytes, tftp, output);
  }
  return 0;
}
