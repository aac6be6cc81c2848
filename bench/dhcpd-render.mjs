// A 2,000-host site (fixed addresses in 10.20.0.0/16, 20 groups, an option 129
// on every tenth host) rendered by `ltspcfg-ts render dhcpd`, as the dhcpd.1067
// service does on every start, then parsed by the real `dhcpd -t`, taking turns
// with `node -e 0` (the floor of any node program). Two cases:
// - unchanged site: the site.toml the last render was made from (what nearly
//   every service start sees): the launcher prints the kept render;
// - changed site: site.toml edited before every render (a comment line that
//   changes at each turn), so the render parses, validates and renders anew.
// Prints wall times (median of RUNS), the size of the file and the ratios
// (goal: render <= 3x dhcpd -t). HOSTS=... changes the size. The CLI runs with
// its code cache, as installed. And the floor of a changed site, in the same
// turns: @iarna/toml alone parsing the same site.toml (node's start and loading
// the parser included: no validation, no rendering), and a changed 1-host
// site.toml rendered (everything a render does but its work per host).
import './user-env.mjs';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const hosts = Number(process.env.HOSTS ?? 2000);
const runs = Number(process.env.RUNS ?? 5);

function site(n) {
  const lines = [
    '[server]', 'address = "10.20.255.254"', 'interface = "eth0"',
    '[network]', 'subnet = "10.20.0.0/16"', 'routers = ["10.20.255.1"]', 'dns = ["10.20.255.1"]', 'domain = "lab.example.org"',
    '[dhcp]', 'mode = "port-1067"', 'boot_unknown_clients = false',
  ];
  const perGroup = 100;
  for (let g = 0; g * perGroup < n; g++) {
    lines.push('[[group]]', `name = "ROOM${g}"`);
    for (let i = g * perGroup; i < Math.min(n, (g + 1) * perGroup); i++) {
      const mac = ['02', '14', (i >> 16) & 255, (i >> 8) & 255, i & 255, 1].map((x) => x.toString(16).padStart(2, '0')).join(':');
      lines.push('[[group.host]]', `name = "ws${i}"`, `mac = "${mac}"`, `address = "10.20.${Math.floor(i / 250)}.${(i % 250) + 2}"`);
      if (i % 10 === 0) lines.push('nic = "e1000"', 'dhcp_port = 1067', 'mount_options = "nolock,ro"');
    }
  }
  return lines.join('\n') + '\n';
}

const dhcpd = ['/usr/sbin/dhcpd', '/sbin/dhcpd'].find((p) => spawnSync('test', ['-x', p]).status === 0) ?? 'dhcpd';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const timed = (cmd, args, opts) => {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.error}`);
  return { ms, out: r.stdout };
};

const dir = mkdtempSync(join(tmpdir(), 'ltspcfg-bench-dhcpd-'));
try {
  const config = join(dir, 'site.toml');
  const conf = join(dir, 'dhcpd.1067.conf');
  const text = site(hosts);
  writeFileSync(config, text);
  const env = { ...process.env, LTSPCFG_CODE_CACHE: join(dir, 'cache') };
  mkdirSync(env.LTSPCFG_CODE_CACHE);
  const render = () => timed(process.execPath, [join(repo, 'dist/ltspcfg-ts.js'), '--config', config, 'render', 'dhcpd'], { cwd: repo, env });
  const first = render().out; // writes the code cache
  const t = { unchanged: [], changed: [], check: [], node: [], toml: [], tiny: [] };
  const tinyConfig = join(dir, 'tiny.toml');
  const tinyText = site(1);
  const parseOnly = `require(${JSON.stringify(join(repo, 'node_modules/@iarna/toml/parse-string'))})(require('node:fs').readFileSync(${JSON.stringify(config)}, 'utf8'))`;
  let size = 0;
  for (let i = 0; i < runs; i++) {
    // unchanged: the site the last render was made from
    writeFileSync(config, text);
    render();
    const r = render();
    t.unchanged.push(r.ms);
    writeFileSync(conf, r.out);
    size = Buffer.byteLength(r.out);
    t.check.push(timed(dhcpd, ['-t', '-4', '-cf', conf]).ms);
    t.node.push(timed(process.execPath, ['-e', '0']).ms);
    // changed: a new comment, so new bytes, the same hosts
    writeFileSync(config, `${text}# edited ${i}\n`);
    const c = render();
    t.changed.push(c.ms);
    // the floor: the TOML parser alone on the same (changed) file; a changed 1-host site
    t.toml.push(timed(process.execPath, ['-e', parseOnly]).ms);
    writeFileSync(tinyConfig, `${tinyText}# edited ${i}\n`);
    t.tiny.push(timed(process.execPath, [join(repo, 'dist/ltspcfg-ts.js'), '--config', tinyConfig, 'render', 'dhcpd'], { cwd: repo, env }).ms);
    if (c.out !== first || r.out !== first) throw new Error('render dhcpd printed another file');
  }
  const [u, c, d, n] = [median(t.unchanged), median(t.changed), median(t.check), median(t.node)];
  const line = (what, ms) => `  ${what}: render dhcpd ${ms.toFixed(0)} ms, ${(ms / d).toFixed(1)}x dhcpd -t (goal <= 3x: ${ms / d <= 3 ? 'met' : 'not met'}), ${(ms / n).toFixed(2)}x node -e 0`;
  console.log(
    `dhcpd render (${hosts} hosts, ${(size / 1024).toFixed(0)} KiB, median of ${runs}, load average ${loadavg()[0].toFixed(1)}): ` +
      `dhcpd -t ${d.toFixed(0)} ms, node -e 0 ${n.toFixed(0)} ms (${(n / d).toFixed(1)}x dhcpd -t)`,
  );
  console.log(line('unchanged site.toml (kept render)', u));
  console.log(line('changed site.toml (parsed, validated, rendered)', c));
  const [p, o] = [median(t.toml), median(t.tiny)];
  console.log(`  floor of a changed site: @iarna/toml alone on it ${p.toFixed(0)} ms (node's start included) = ${(p / d).toFixed(1)}x dhcpd -t; a changed 1-host site.toml rendered ${o.toFixed(0)} ms = ${(o / d).toFixed(1)}x`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
