// apply --root on generated sites of 200, 2,000 and 20,000 hosts: wall time and
// peak RSS (GNU time). Goals: <= 0.5 s at 2,000 hosts, linear growth, <= 150 MB at 20,000.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const sizes = (process.env.SIZES ?? '200,2000,20000').split(',').map(Number);

function site(hosts) {
  const lines = [
    '[server]', 'address = "10.20.255.254"', 'interface = "eth0"',
    '[network]', 'subnet = "10.20.0.0/16"', 'routers = ["10.20.255.1"]', 'domain = "lab.example.org"',
    '[dhcp]', 'mode = "port-1067"',
    '[lts.Default]', 'SERVER = "10.20.255.254"',
  ];
  const perGroup = 100;
  for (let g = 0; g * perGroup < hosts; g++) {
    lines.push('[[group]]', `name = "room${g}"`);
    for (let i = g * perGroup; i < Math.min(hosts, (g + 1) * perGroup); i++) {
      const mac = ['02', '00', (i >> 16) & 255, (i >> 8) & 255, i & 255, 1].map((x) => x.toString(16).padStart(2, '0')).join(':');
      lines.push('[[group.host]]', `name = "ws${i}"`, `mac = "${mac}"`, `address = "10.20.${Math.floor(i / 250)}.${(i % 250) + 2}"`);
      if (i % 10 === 0) lines.push('nic = "e1000"', 'dhcp_port = 1067');
    }
  }
  return lines.join('\n') + '\n';
}

function measure(args) {
  // the bundle runs through its own #! line, with the node options it carries, as installed
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', ...args], { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`apply failed: ${r.stderr}`);
  const [wall, kb] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { wall, mb: kb / 1024 };
}

const rows = [];
for (const n of sizes) {
  const dir = mkdtempSync(join(tmpdir(), 'ltspcfg-bench-'));
  try {
    const file = join(dir, 'site.toml');
    writeFileSync(file, site(n));
    const root = join(dir, 'root');
    spawnSync('mkdir', [root]);
    const first = measure(['./dist/ltspcfg-ts.js', '--root', root, '--config', file, 'apply', '--yes']);
    const again = measure(['./dist/ltspcfg-ts.js', '--root', root, '--config', file, 'apply', '--yes']);
    rows.push({ n, first, again });
    console.log(`apply --root, ${String(n).padStart(6)} hosts: first ${first.wall.toFixed(2)} s, ${first.mb.toFixed(0)} MB peak RSS; second (nothing to do) ${again.wall.toFixed(2)} s, ${again.mb.toFixed(0)} MB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
if (rows.length > 1) {
  const a = rows[0];
  const b = rows[rows.length - 1];
  console.log(`growth ${a.n} -> ${b.n} hosts (x${b.n / a.n}): time x${(b.first.wall / a.first.wall).toFixed(1)}, memory x${(b.first.mb / a.first.mb).toFixed(1)}`);
}
