// How fast a hostile or huge --config is answered: `get server.address` (the
// whole site is read and validated) on a 10 MB one-line string, 8 MB of
// comments around a valid site, a 20,000-host site, a 7 MB multi-line string,
// and /dev/zero; side by side with `wc -l` reading the same bytes, as the
// yardstick of reading a file at all. Goal: well under a second per MB.
import './user-env.mjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const cli = join(repo, 'dist/ltspcfg-ts.js');
const runs = Number(process.env.RUNS ?? 3);
const example = readFileSync(join(repo, 'examples/primary.toml'), 'utf8');

function hosts(n) {
  const lines = ['[server]', 'address = "10.20.255.254"', 'interface = "eth0"', '[network]', 'subnet = "10.20.0.0/16"'];
  for (let i = 0; i < n; i++) {
    const mac = ['02', '00', (i >> 16) & 255, (i >> 8) & 255, i & 255, 1].map((x) => x.toString(16).padStart(2, '0')).join(':');
    lines.push('[[host]]', `name = "ws${i}"`, `mac = "${mac}"`, `address = "10.20.${Math.floor(i / 250)}.${(i % 250) + 2}"`);
  }
  return lines.join('\n') + '\n';
}

const dir = mkdtempSync(join(tmpdir(), 'ltspcfg-bench-input-'));
const cases = {
  '10 MB one-line string, unterminated': `${example}x = "${'a'.repeat(10_000_000)}\n`,
  '8 MB of comments around a valid site': `# ${'x'.repeat(78)}\n`.repeat(50_000) + example + `# ${'x'.repeat(78)}\n`.repeat(50_000),
  '20,000 hosts': hosts(20_000),
  '7 MB multi-line string': `${example}[boot]\nkernel_append = """\n${'quiet splash\n'.repeat(540_000)}"""\n`,
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (cmd, args) => {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 26 });
  return { s: Number(process.hrtime.bigint() - t) / 1e9, code: r.status, err: (r.stderr ?? '').split('\n')[0].slice(0, 90) };
};
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`--config read and validated (get server.address), medians of ${runs} runs (load average ${load}):`);
try {
  for (const [name, text] of Object.entries(cases)) {
    const file = join(dir, 'site.toml');
    writeFileSync(file, text);
    const mb = statSync(file).size / 1e6;
    const ours = [];
    const wc = [];
    let last;
    for (let r = 0; r < runs; r++) {
      last = time(cli, ['--config', file, 'get', 'server.address']);
      ours.push(last.s);
      wc.push(time('wc', ['-l', file]).s);
    }
    const s = median(ours);
    console.log(`  ${name.padEnd(40)} ${mb.toFixed(1).padStart(5)} MB: ${s.toFixed(2)} s (${(s / mb).toFixed(2)} s/MB; wc -l ${median(wc).toFixed(2)} s), exit ${last.code}${last.code ? `: ${last.err}` : ''}`);
  }
  const zero = time(cli, ['--config', '/dev/zero', 'get', 'server.address']);
  console.log(`  ${'/dev/zero'.padEnd(40)}          ${zero.s.toFixed(2)} s, exit ${zero.code}: ${zero.err}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
