// Cold start of `ltspcfg-ts get tftp.root` against `node -e 0`, interleaved in
// one run so that all see the same machine: the launcher with its caches (as
// installed: the V8 code cache and get's kept answers, made by a first run), the
// same right after site.toml changed (a comment line differs at every run, so
// the site is parsed and validated again), and without any cache
// (LTSPCFG_CODE_CACHE=off). Goal: ratio <= 1.10x with the caches.
import './user-env.mjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
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
const edited = join(cache, 'edited.toml');
const sample = readFileSync(join(repo, 'examples/wiki-sample.toml'), 'utf8');
const cliEdited = ['./dist/ltspcfg-ts.js', '--config', edited, 'get', 'tftp.root'];
const cached = { LTSPCFG_CODE_CACHE: cache };
const uncached = { LTSPCFG_CODE_CACHE: 'off' };
try {
  writeFileSync(edited, sample);
  time(cli, cached); // the first runs write the caches (and warm the page cache)
  time(cliEdited, cached);
  const node = [], get = [], changed = [], cold = [];
  for (let i = 0; i < runs; i++) {
    node.push(time([process.execPath, '-e', '0']));
    get.push(time(cli, cached));
    writeFileSync(edited, `${sample}# edit ${i}\n`);
    changed.push(time(cliEdited, cached));
    cold.push(time(cli, uncached));
  }
  const n = median(node);
  const x = (xs) => `${median(xs).toFixed(1)} ms (${(median(xs) / n).toFixed(2)}x)`;
  console.log(`cold start (${runs} interleaved runs each, medians, load average ${loadavg()[0].toFixed(1)}): node -e 0 ${n.toFixed(1)} ms, ` +
    `ltspcfg-ts get tftp.root with its caches ${x(get)} (goal <= 1.10x), ` +
    `after site.toml changed ${x(changed)}, without any cache ${x(cold)}`);
} finally {
  rmSync(cache, { recursive: true, force: true });
}
