// `ltspcfg-ts [OPTIONS] render TARGET [--path FILE]` answered by the launcher
// itself, before the CLI is loaded, when the last render of that file from the
// very same site.toml was kept (src/system/site-cache.ts: the same bytes, the
// same build, --config and --root, a TFTP root that still leads where it led;
// only renders that read nothing else are kept). This is the dhcpd.1067 and
// ltsp-nbd services' call at every start, whose site.toml seldom changes. A
// command line that is not plainly that, or a render that was not kept, goes to
// the CLI, which renders (and keeps) as always.
import type { GlobalOptions } from './commands/context';
import { writeStdout } from './commands/output';
import { FLAGS, VALUES } from './get-fast';
import { systemRootAt } from './system/fsroot';
import { readKeptRender, type SiteCacheRef } from './system/site-cache';
import { readSiteFile, siteFileOf } from './system/sitefile';

export interface PlainRender {
  opts: GlobalOptions;
  target: string;
  /** --path, "" when not given */
  path: string;
}

/** The options, target and --path of a plain `render` command line (argv without node and the script), else null. */
export function plainRender(args: string[]): PlainRender | null {
  const opts: GlobalOptions = {};
  const words: string[] = [];
  let path = '';
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = /^(--config|--root|--path)=(.*)$/s.exec(a);
    const name = eq ? eq[1] : a;
    if (name === '--path' || Object.hasOwn(VALUES, name)) {
      let value: string;
      if (eq) value = eq[2];
      else if (i + 1 < args.length && !args[i + 1].startsWith('-')) value = args[++i];
      else return null;
      if (name === '--path') path = value;
      else opts[VALUES[name]] = value;
    } else if (Object.hasOwn(FLAGS, a)) (opts as Record<string, unknown>)[FLAGS[a]] = true;
    else if (a === '--no-color') opts.color = false;
    else if (a.startsWith('-')) return null;
    else words.push(a);
  }
  return words.length === 2 && words[0] === 'render' ? { opts, target: words[1], path } : null;
}

/** Prints the kept render for this command line and returns true; false (nothing printed) when there is none to trust. */
export function answerKeptRender(args: string[], ref: SiteCacheRef): boolean {
  const render = plainRender(args);
  if (!render) return false;
  let output: Buffer | null;
  try {
    // the configured system and the site file as src/commands/context.ts finds them
    const sys = systemRootAt(render.opts.root);
    if (!sys) return false;
    const config = siteFileOf(sys, render.opts.config);
    const site = readSiteFile(config);
    output = readKeptRender(ref, config, sys.root, { target: render.target, path: render.path }, site, (p) => sys.realPath(p));
  } catch {
    return false;
  }
  if (!output) return false;
  try {
    writeStdout(output);
  } catch (e) {
    // as src/errors.ts reports it: one line, exit 1
    process.stderr.write(`ltspcfg-ts: cannot write the output: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
  return true;
}
