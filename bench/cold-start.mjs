// Cold start of `ltspcfg-ts get tftp.root` against `node -e 0`, interleaved in
// one run so that all see the same machine: the launcher with its V8 code cache
// (as installed: the cache made by a first run) and without (LTSPCFG_CODE_CACHE=off).
// Goal: ratio <= 1.10x with the cache.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.env.RUNS ?? 30);
const cache = mkdtempSync(join(tmpdir(), 'ltspcfg-code-cache-'));
const time = ([program, ...args], env = {}) => {
  const t = process.hrtime.bigint();
  const r = spawnSync(program, args, { cwd: repo, encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// the bundle through its own #! line, as the installed /usr/bin/ltspcfg-ts runs
const cli = ['./dist/ltspcfg-ts.js', '--config', 'examples/wiki-sample.toml', 'get', 'tftp.root'];
const cached = { LTSPCFG_CODE_CACHE: cache };
const uncached = { LTSPCFG_CODE_CACHE: 'off' };
try {
  time(cli, cached); // the first run writes the cache (and warms the page cache)
  const node = [], get = [], cold = [];
  for (let i = 0; i < runs; i++) {
    node.push(time([process.execPath, '-e', '0']));
    get.push(time(cli, cached));
    cold.push(time(cli, uncached));
  }
  const n = median(node);
  console.log(`cold start (${runs} interleaved runs each, medians): node -e 0 ${n.toFixed(1)} ms, ` +
    `ltspcfg-ts get tftp.root ${median(get).toFixed(1)} ms with the code cache (${(median(get) / n).toFixed(2)}x, goal <= 1.10x), ` +
    `${median(cold).toFixed(1)} ms without (${(median(cold) / n).toFixed(2)}x)`);
} finally {
  rmSync(cache, { recursive: true, force: true });
}
