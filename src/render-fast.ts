// `ltspcfg-ts [OPTIONS] render TARGET [--path FILE]` told apart from every other
// command line without commander (src/plain-command.ts). The launcher prints such
// a render again, before the CLI is loaded, when the last render of that file
// from the very same site.toml was kept (src/system/site-cache.ts: the same
// bytes, the same build, --config and --root, a TFTP root that still leads where
// it led; only renders that read nothing else are kept). This is the dhcpd.1067
// and ltsp-nbd services' call at every start, whose site.toml seldom changes. A
// command line that is not plainly that, or a render that was not kept, goes to
// the CLI, which renders (and keeps) as always. This module loads nothing.
import type { GlobalOptions } from './commands/context';
import { RENDER_OPTIONS } from './options';
import { plainCommand } from './plain-command';

export interface PlainRender {
  opts: GlobalOptions;
  target: string;
  /** --path, "" when not given */
  path: string;
}

/** The options, target and --path of a plain `render` command line (argv without node and the script), else null. */
export function plainRender(args: string[]): PlainRender | null {
  const render = plainCommand(args, 'render', RENDER_OPTIONS);
  if (!render || render.words.length !== 1) return null;
  const path = render.own.path;
  return { opts: render.opts, target: render.words[0], path: typeof path === 'string' ? path : '' };
}
