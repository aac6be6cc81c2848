// The installed ltspcfg-ts: a small launcher, which node compiles at every start,
// so it holds one thing: the answers a previous run kept. A plain `get KEY` /
// `get --shell KEY...` (src/get-fast.ts) and a plain `render TARGET`
// (src/render-fast.ts), the services' calls at every start, are answered here
// from what the get bundle or the whole CLI kept for this very site file
// (src/system/site-cache.ts: same bytes, same build and node, same --config and
// --root, a TFTP root that leads where it led, a file of this user or root that
// no one else may read), without loading any bundle. Anything else loads
// ltspcfg-ts.launch.js beside it (src/launch.ts), which runs a bundle through
// its V8 code cache.
//
// The kept path is kept short in what node must compile on the way: one reader
// for site.toml and the kept file (open, fstat, read as UTF-8, close), stat for
// the rest, no path module, no Buffer made, and no exception when all is well:
// the first call of each node function costs a compilation of node's own code,
// more than the call itself.
import { statSync } from 'node:fs';
import { plainAnswer, plainGet, type PlainAnswers } from './get-fast';
import { plainRender } from './render-fast';
import type { GlobalOptions } from './commands/context';
import { writeStdout } from './commands/output';
import { cacheDirectory, cacheKey, type BundleHashes } from './launch';
import { pathOn, realPathOn, rootDirAt } from './system/fsroot';
import { readKept, readKeptRender, readTextAt, type SiteCacheRef } from './system/site-cache';
import { DEFAULT_CONFIG, MAX_SITE_BYTES } from './system/sitefile';
import { outputFailure } from './system/errno';

/** What a kept answer is checked against: the configured system, the site file and its bytes. */
interface KeptInputs {
  root: string;
  config: string;
  site: string;
  realPath: (p: string) => string | null;
}

/** The inputs of a command line with these options (as src/commands/context.ts finds them), or null when they cannot be read. */
function keptInputs(opts: GlobalOptions): KeptInputs | null {
  const root = rootDirAt(opts.root);
  if (root === null) return null;
  const config = opts.config ?? pathOn(root, DEFAULT_CONFIG);
  const site = readTextAt(config, MAX_SITE_BYTES);
  return site === null ? null : { root, config, site, realPath: (p) => realPathOn(root, p) };
}

/** Where the answers kept by a bundle live, under that bundle's code cache key (this build, this node); null without caches. */
function keptRef(dir: string | null, bundle: string, name: 'get' | 'main', sha: string): SiteCacheRef | null {
  const st = dir ? statSync(bundle, { throwIfNoEntry: false }) : undefined;
  return st ? { dir: dir as string, key: cacheKey({ name, sha, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino }) } : null;
}

/** The kept answer to this command line, or null when there is none to trust. */
function keptAnswer(args: string[], shas: BundleHashes): string | null {
  const dir = cacheDirectory();
  const get = plainGet(args);
  if (get) {
    const ref = keptRef(dir, `${__dirname}/ltspcfg-ts.get.js`, 'get', shas.get);
    const inputs = ref && keptInputs(get.opts);
    const kept = inputs && readKept<PlainAnswers>(ref, 'get', inputs.config, inputs.root, inputs.site, inputs.realPath);
    return kept && typeof kept.leaves === 'object' && typeof kept.tables === 'object' ? plainAnswer(kept, get.keys, get.shell) : null;
  }
  const render = plainRender(args);
  if (render) {
    const ref = keptRef(dir, `${__dirname}/ltspcfg-ts.bundle.js`, 'main', shas.main);
    const inputs = ref && keptInputs(render.opts);
    return inputs && readKeptRender(ref, inputs.config, inputs.root, { target: render.target, path: render.path }, inputs.site, inputs.realPath);
  }
  return null;
}

/** A kept answer, else the bundle that answers this command line (loaded only then). */
function main(shas: BundleHashes): void {
  const args = process.argv.slice(2);
  let answer: string | null;
  try {
    answer = keptAnswer(args, shas);
  } catch {
    answer = null;
  }
  if (answer !== null) {
    try {
      writeStdout(answer);
    } catch (e) {
      // the line src/errors.ts prints for the bundles (compiled only now: nothing on the kept path)
      process.stderr.write(`ltspcfg-ts: ${outputFailure(e)}\n`);
      process.exitCode = 1;
    }
    return;
  }
  const path = `${__dirname}/ltspcfg-ts.launch.js`;
  let launch: typeof import('./launch');
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    launch = require(path) as typeof import('./launch');
  } catch {
    process.stderr.write(`ltspcfg-ts: cannot load ${path}; reinstall ltspcfg-ts\n`);
    process.exitCode = 1;
    return;
  }
  launch.runBundle(__dirname, shas, plainGet(args) !== null);
}

declare const LTSPCFG_BUNDLE_SHA: string | undefined;
declare const LTSPCFG_GET_BUNDLE_SHA: string | undefined;
if (typeof LTSPCFG_BUNDLE_SHA === 'string' && typeof LTSPCFG_GET_BUNDLE_SHA === 'string') main({ main: LTSPCFG_BUNDLE_SHA, get: LTSPCFG_GET_BUNDLE_SHA });
