// Cold start of `ltspcfg-ts get tftp.root` against `node -e 0`, interleaved in
// one run so that both see the same machine. Goal: ratio <= 1.3.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.env.RUNS ?? 30);
const time = ([program, ...args]) => {
  const t = process.hrtime.bigint();
  const r = spawnSync(program, args, { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const node = [];
const get = [];
// the bundle through its own #! line, as the installed /usr/bin/ltspcfg-ts runs
const cli = ['./dist/ltspcfg-ts.js', '--config', 'examples/wiki-sample.toml', 'get', 'tftp.root'];
time(cli); // warm the page cache once
for (let i = 0; i < runs; i++) {
  node.push(time([process.execPath, '-e', '0']));
  get.push(time(cli));
}
const ratio = median(get) / median(node);
console.log(`cold start (${runs} runs each, medians): node -e 0 ${median(node).toFixed(1)} ms, ltspcfg-ts get tftp.root ${median(get).toFixed(1)} ms, ratio ${ratio.toFixed(2)}x (goal <= 1.3x)`);
