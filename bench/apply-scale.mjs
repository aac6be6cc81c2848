// apply --root on generated sites of 200, 2,000, 20,000, 50,000 and 100,000
// hosts: wall time and peak RSS (GNU time) of the first run (every file
// written) and the second (nothing to do), and what each host adds between two
// sizes (linear growth: about the same figure from one pair to the next).
// Goals: second run at 20,000 hosts <= 0.6 s on a quiet machine and <= 0.5x the
// baseline's; peak RSS <= 150 MB at 20,000 hosts, growing linearly to 100,000.
//
//   SIZES=200,2000,20000,50000,100000 RUNS=3 [BASELINE=/path/to/other/dist/ltspcfg-ts.js] node bench/apply-scale.mjs
//
// With BASELINE, that build runs the same sites, turn about with this one
// (medians of RUNS), and the ratios are this build's over the baseline's.
import './user-env.mjs';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const sizes = (process.env.SIZES ?? '200,2000,20000,50000,100000').split(',').map(Number);
const runs = Number(process.env.RUNS ?? 3);
const builds = { this: join(repo, 'dist/ltspcfg-ts.js'), ...(process.env.BASELINE ? { baseline: process.env.BASELINE } : {}) };

// addresses from 10.16.0.0/12: room for a million hosts, none a .0 or a .255
function address(i) {
  const a = Math.floor(i / 254);
  return `10.${16 + (a >> 8)}.${a & 255}.${(i % 254) + 1}`;
}

function site(hosts) {
  const lines = [
    '[server]', 'address = "10.31.255.254"', 'interface = "eth0"',
    '[network]', 'subnet = "10.16.0.0/12"', 'routers = ["10.31.255.1"]', 'domain = "lab.example.org"',
    '[dhcp]', 'mode = "port-1067"',
    '[lts.Default]', 'SERVER = "10.31.255.254"',
  ];
  const perGroup = 100;
  for (let g = 0; g * perGroup < hosts; g++) {
    lines.push('[[group]]', `name = "room${g}"`);
    for (let i = g * perGroup; i < Math.min(hosts, (g + 1) * perGroup); i++) {
      const mac = ['02', '00', (i >> 16) & 255, (i >> 8) & 255, i & 255, 1].map((x) => x.toString(16).padStart(2, '0')).join(':');
      lines.push('[[group.host]]', `name = "ws${i}"`, `mac = "${mac}"`, `address = "${address(i)}"`);
      if (i % 10 === 0) lines.push('nic = "e1000"', 'dhcp_port = 1067');
    }
  }
  return lines.join('\n') + '\n';
}

function measure(cli, args, env) {
  // the bundle runs through its own #! line, with the node options it carries, as installed
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cli, ...args], { cwd: repo, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cli} ${args.join(' ')} failed: ${r.stderr}`);
  const [wall, kb] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { wall, mb: kb / 1024 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () => spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.split(' ').slice(0, 3).join(' ');
console.log(`apply --root, medians of ${runs} interleaved runs (load average at start ${load()}):`);
const peak = {};
const dir = mkdtempSync(join(tmpdir(), 'ltspcfg-bench-'));
const cache = join(dir, 'code-cache');
mkdirSync(cache);
try {
  for (const n of sizes) {
    const file = join(dir, `site-${n}.toml`);
    writeFileSync(file, site(n));
    const res = Object.fromEntries(Object.keys(builds).map((b) => [b, { first: [], again: [] }]));
    for (let r = 0; r < runs; r++) {
      for (const [b, cli] of Object.entries(builds)) {
        const root = join(dir, `root-${b}`);
        rmSync(root, { recursive: true, force: true });
        mkdirSync(root);
        const args = ['--root', root, '--config', file, 'apply', '--yes'];
        res[b].first.push(measure(cli, args, { LTSPCFG_CODE_CACHE: cache }));
        res[b].again.push(measure(cli, args, { LTSPCFG_CODE_CACHE: cache }));
      }
    }
    const show = (xs) => `${median(xs.map((x) => x.wall)).toFixed(2)} s, ${median(xs.map((x) => x.mb)).toFixed(0)} MB`;
    for (const b of Object.keys(builds)) {
      console.log(`  ${b.padEnd(8)} ${String(n).padStart(6)} hosts: first ${show(res[b].first)} peak RSS; second (nothing to do) ${show(res[b].again)}`);
    }
    if (builds.baseline) {
      const w = (b, k) => median(res[b][k].map((x) => x.wall));
      const m = (b, k) => median(res[b][k].map((x) => x.mb));
      console.log(`  ratio    ${String(n).padStart(6)} hosts: first ${(w('this', 'first') / w('baseline', 'first')).toFixed(2)}x, second ${(w('this', 'again') / w('baseline', 'again')).toFixed(2)}x, peak RSS ${(m('this', 'first') / m('baseline', 'first')).toFixed(2)}x`);
    }
    peak[n] = Object.fromEntries(['first', 'again'].map((k) => [k, { mb: median(res.this[k].map((x) => x.mb)), wall: median(res.this[k].map((x) => x.wall)) }]));
  }
  // each host's share between two sizes: KB of peak RSS and ms of wall time
  const ns = Object.keys(peak).map(Number).sort((a, b) => a - b);
  for (let i = 1; i < ns.length; i++) {
    const [a, b] = [ns[i - 1], ns[i]];
    const per = (k) => `${(((peak[b][k].mb - peak[a][k].mb) * 1024) / (b - a)).toFixed(2)} KB, ${(((peak[b][k].wall - peak[a][k].wall) * 1000) / (b - a)).toFixed(3)} ms`;
    console.log(`  a host from ${a} to ${b}: first ${per('first')}; second ${per('again')}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
