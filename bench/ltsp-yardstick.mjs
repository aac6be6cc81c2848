// LTSP 23 (Debian's `ltsp` package, shell) as the yardstick: `ltsp dnsmasq`,
// `ltsp nfs` and `ltsp ipxe` against `ltspcfg-ts apply --only dnsmasq`,
// `--only exports` and `--only pxelinux` (with the real checkers, and with
// --no-check), on equivalent sites of 200 and 2,000 hosts (each host by MAC
// with a name, every tenth with its own kernel parameters: ltsp.conf sections
// for LTSP, [[group.host]] for ltspcfg-ts). The commands take turns, ROUNDS
// times; medians and ratios (ltspcfg-ts / ltsp; goal <= 1.0).
//
// Runs as root in a private mount namespace: tmpfs over every directory LTSP
// writes (/etc/ltsp, /etc/dnsmasq.d, /etc/exports.d, /srv, /etc/systemd) and a
// no-op `systemctl` first on PATH, so the host is not changed and no service
// is restarted. ltspcfg-ts runs as the ebuild installs it (the launcher with
// node's own path on its #! line, the bundles beside it, its code caches) and
// writes a fresh staged root (--root) on a tmpfs each time. Installs Debian's
// ltsp when missing.
//
//   node bench/ltsp-yardstick.mjs          SIZES=200,2000 ROUNDS=7
//   BASELINE=/path/to/another/checkout     (its dist/ built) runs that build too, installed the
//                                          same way, turn about with this one: before and after
import './user-env.mjs';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installLikeEbuild } from './installed.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
const sizes = (process.env.SIZES ?? '200,2000').split(',').map(Number);
const rounds = Number(process.env.ROUNDS ?? 7);
const baseline = process.env.BASELINE;
const WRITTEN = ['/etc/ltsp', '/etc/dnsmasq.d', '/etc/exports.d', '/srv', '/etc/systemd'];

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...opts });
  if (r.error) throw r.error;
  return r;
}

if (!process.env.LTSP_YARDSTICK_NS) {
  if (process.getuid() !== 0) {
    console.error('ltsp-yardstick: needs root (a private mount namespace)');
    process.exit(2);
  }
  if (sh('sh', ['-c', 'command -v ltsp']).status !== 0) {
    console.error("ltsp-yardstick: installing Debian's ltsp package");
    const r = sh('apt-get', ['install', '-y', '--no-install-recommends', 'ltsp'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) process.exit(1);
  }
  if (sh('test', ['-f', join(repo, 'dist/ltspcfg-ts.js')]).status !== 0) sh('npm', ['run', '--silent', 'build'], { cwd: repo, stdio: 'inherit' });
  if (baseline && sh('test', ['-f', join(baseline, 'dist/ltspcfg-ts.js')]).status !== 0) {
    console.error(`ltsp-yardstick: BASELINE=${baseline} has no dist/ltspcfg-ts.js; build it first (npm run build there)`);
    process.exit(2);
  }
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', process.execPath, fileURLToPath(import.meta.url)], {
    stdio: 'inherit', env: { ...process.env, LTSP_YARDSTICK_NS: '1' },
  });
  process.exit(r.status ?? 1);
}

// ------------------------------------------------------------ inside the namespace
for (const d of WRITTEN) {
  mkdirSync(d, { recursive: true });
  if (sh('mount', ['-t', 'tmpfs', 'ltsp-yardstick', d]).status !== 0) throw new Error(`cannot mount a tmpfs on ${d}`);
}
const work = mkdtempSync('/tmp/ltsp-yardstick-');
sh('mount', ['-t', 'tmpfs', 'ltsp-yardstick', work]);
mkdirSync(join(work, 'bin'));
writeFileSync(join(work, 'bin/systemctl'), '#!/bin/sh\n# no service is restarted from a benchmark\nexit 0\n');
chmodSync(join(work, 'bin/systemctl'), 0o755);
// each build installed as the ebuild installs it, with a code cache of its own
const builds = [['this', repo], ...(baseline ? [['baseline', baseline]] : [])].map(([name, from]) => {
  mkdirSync(join(work, `cache-${name}`));
  mkdirSync(join(work, `lib-${name}`));
  return { name, cli: installLikeEbuild(from, join(work, `lib-${name}`)), cache: join(work, `cache-${name}`) };
});
const env = { ...process.env, PATH: `${join(work, 'bin')}:${process.env.PATH}`, NO_COLOR: '1' };

const mac = (i) => ['02', '00', (i >> 16) & 255, (i >> 8) & 255, i & 255, 1].map((x) => x.toString(16).padStart(2, '0')).join(':');

function ltspConf(n) {
  const lines = ['[server]', '', '[clients]', ''];
  for (let i = 0; i < n; i++) {
    lines.push(`[${mac(i)}]`, `HOSTNAME=ws${i}`);
    if (i % 10 === 0) lines.push('KERNEL_PARAMETERS="video=1920x1080"');
    lines.push('');
  }
  return lines.join('\n');
}

function siteToml(n) {
  const lines = [
    '[server]', 'address = "10.20.255.254"', 'interface = "eth0"',
    '[network]', 'subnet = "10.20.0.0/16"', 'routers = ["10.20.255.1"]', 'domain = "lab.example.org"',
    '[dhcp]', 'mode = "proxy"',
    '[tftp]', 'root = "/srv/tftp"',
    '[nfs]', 'root = "/srv/ltsp"',
  ];
  for (let g = 0; g * 100 < n; g++) {
    lines.push('[[group]]', `name = "room${g}"`);
    for (let i = g * 100; i < Math.min(n, (g + 1) * 100); i++) {
      lines.push('[[group.host]]', `name = "ws${i}"`, `mac = "${mac(i)}"`);
      if (i % 10 === 0) lines.push('kernel_append = "video=1920x1080"');
    }
  }
  return lines.join('\n') + '\n';
}

function timed(cmd, args, opts = {}) {
  const t = process.hrtime.bigint();
  const r = sh(cmd, args, { env, ...opts });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const PAIRS = [['dnsmasq', 'dnsmasq'], ['nfs', 'exports'], ['ipxe', 'pxelinux']];
const load = () => sh('cat', ['/proc/loadavg']).stdout.split(' ').slice(0, 3).join(' ');

console.log(`LTSP 23 (ltsp ${sh('dpkg-query', ['-W', '-f', '${Version}', 'ltsp']).stdout}) against ltspcfg-ts, ${rounds} interleaved rounds, medians; load average at start ${load()}:`);
if (baseline) console.log(`  baseline: ${baseline} (${sh('git', ['-C', baseline, 'log', '-1', '--format=%h']).stdout.trim() || 'not a git checkout'}), turn about with this build (${sh('git', ['-C', repo, 'log', '-1', '--format=%h']).stdout.trim()})`);
try {
  for (const n of sizes) {
    writeFileSync('/etc/ltsp/ltsp.conf', ltspConf(n));
    const site = join(work, `site-${n}.toml`);
    writeFileSync(site, siteToml(n));
    const root = join(work, 'root');
    const ours = (build, target, check) => {
      rmSync(root, { recursive: true, force: true });
      mkdirSync(root);
      return timed(build.cli, ['--root', root, '--config', site, 'apply', '--yes', '--only', target, ...(check ? [] : ['--no-check'])], { env: { ...env, LTSPCFG_CODE_CACHE: build.cache } });
    };
    for (const b of builds) ours(b, 'dnsmasq', true); // the first run writes the code cache
    const t = Object.fromEntries(PAIRS.flatMap(([l, o]) => [[`ltsp ${l}`, []], ...builds.flatMap((b) => [[`${b.name} ${o}`, []], [`${b.name} ${o} --no-check`, []]])]));
    for (let r = 0; r < rounds; r++) {
      for (const [l, o] of PAIRS) {
        t[`ltsp ${l}`].push(timed('ltsp', [l]));
        for (const b of builds) {
          t[`${b.name} ${o}`].push(ours(b, o, true));
          t[`${b.name} ${o} --no-check`].push(ours(b, o, false));
        }
      }
    }
    console.log(`  ${n} hosts:`);
    for (const [l, o] of PAIRS) {
      const base = median(t[`ltsp ${l}`]);
      for (const b of builds) {
        const a = median(t[`${b.name} ${o}`]);
        const c = median(t[`${b.name} ${o} --no-check`]);
        const head = b.name === 'this' ? `ltsp ${l.padEnd(8)} ${base.toFixed(0).padStart(5)} ms |` : `${'baseline'.padStart(22)} |`;
        console.log(`    ${head} apply --only ${o.padEnd(9)} ${a.toFixed(0).padStart(5)} ms ${(a / base).toFixed(2)}x` +
          ` | --no-check ${c.toFixed(0).padStart(5)} ms ${(c / base).toFixed(2)}x   (goal <= 1.0x: ${a / base <= 1 ? 'met' : 'not met'})`);
      }
    }
  }
  console.log(`  load average at the end: ${load()}`);
} finally {
  sh('umount', [work]);
  rmSync(work, { recursive: true, force: true });
}
