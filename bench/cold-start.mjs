// Cold start of `ltspcfg-ts get tftp.root` against `node -e 0`, interleaved in
// one run so that all see the same machine. ltspcfg-ts runs as the ebuild
// installs it: the launcher with node's own path on its #! line (src_prepare)
// and the bundles and launch module beside it, in a directory of its own (bench/installed.mjs). Measured: with its
// caches (the answers kept by a first run: the launcher answers alone), right
// after site.toml changed (a comment line differs at every run, so the get
// bundle parses and validates it again, through its V8 code cache), without any
// cache (LTSPCFG_CODE_CACHE=off), and the source tree's dist/ltspcfg-ts.js
// (#!/usr/bin/env node) with its caches. Goal: ratio <= 1.10x with the caches.
import './user-env.mjs';
import { installLikeEbuild } from './installed.mjs';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.env.RUNS ?? 30);
const work = mkdtempSync(join(tmpdir(), 'ltspcfg-cold-start-'));
const time = ([program, ...args], env = {}) => {
  const t = process.hrtime.bigint();
  const r = spawnSync(program, args, { cwd: repo, encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${program} ${args.join(' ')}: ${r.error ?? r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// what the ebuild installs in /usr/lib/ltsp-ts (each copy keeps caches of its own)
const lib = join(work, 'lib');
mkdirSync(lib);
const installed = installLikeEbuild(repo, lib);

const sample = readFileSync(join(repo, 'examples/wiki-sample.toml'), 'utf8');
const edited = join(work, 'edited.toml');
const get = (cli, config = 'examples/wiki-sample.toml') => [cli, '--config', config, 'get', 'tftp.root'];
const cache = (name) => {
  const dir = join(work, name);
  mkdirSync(dir);
  return { LTSPCFG_CODE_CACHE: dir };
};
const cached = cache('installed');
const treeCached = cache('tree');
const uncached = { LTSPCFG_CODE_CACHE: 'off' };
try {
  writeFileSync(edited, sample);
  // the first runs write the caches (and warm the page cache)
  time(get(installed), cached);
  time(get(installed, edited), cached);
  time(get('./dist/ltspcfg-ts.js'), treeCached);
  const node = [], kept = [], changed = [], cold = [], tree = [];
  for (let i = 0; i < runs; i++) {
    node.push(time([process.execPath, '-e', '0']));
    kept.push(time(get(installed), cached));
    writeFileSync(edited, `${sample}# edit ${i}\n`);
    changed.push(time(get(installed, edited), cached));
    cold.push(time(get(installed), uncached));
    tree.push(time(get('./dist/ltspcfg-ts.js'), treeCached));
  }
  const n = median(node);
  const x = (xs) => `${median(xs).toFixed(1)} ms (${(median(xs) / n).toFixed(2)}x)`;
  console.log(`cold start (${runs} interleaved runs each, medians, load average ${loadavg()[0].toFixed(1)}): node -e 0 ${n.toFixed(1)} ms, ` +
    `ltspcfg-ts get tftp.root as installed, with its caches ${x(kept)} (goal <= 1.10x), ` +
    `after site.toml changed ${x(changed)}, without any cache ${x(cold)}; ` +
    `dist/ltspcfg-ts.js in the source tree (#!/usr/bin/env node), with its caches ${x(tree)}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
