// How fast a hostile or huge --config is answered: `get server.address` (the
// whole site is read and validated) on a 10 MB one-line string, 8 MB of
// comments around a valid site, a 20,000-host site, a 7 MB multi-line string,
// 16 MiB of lts.conf keys in one table (refused by the key cap) and spread
// over tables of 1,000 (valid), and /dev/zero; side by side with `wc -l`
// reading the same bytes, as the yardstick of reading a file at all, with the
// peak RSS. Goal: well under a second per MB.
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

// lts.conf keys up to the 16 MiB cap, `perTable` to a section (each section a MAC of its own)
function ltsKeys(perTable) {
  const cap = 16 * 1024 * 1024 - 1;
  const parts = [example];
  let length = example.length;
  for (let t = 0; ; t++) {
    const mac = [t >> 8, t & 255].map((x) => x.toString(16).padStart(2, '0')).join(':');
    for (let k = 0; k < perTable; k++) {
      const line = `${k === 0 ? `[lts."02:00:00:${mac}:99"]\n` : ''}K${k} = "x"\n`;
      if (length + line.length > cap) return parts.join('');
      parts.push(line);
      length += line.length;
    }
  }
}

const dir = mkdtempSync(join(tmpdir(), 'ltspcfg-bench-input-'));
const cases = {
  '10 MB one-line string, unterminated': `${example}x = "${'a'.repeat(10_000_000)}\n`,
  '8 MB of comments around a valid site': `# ${'x'.repeat(78)}\n`.repeat(50_000) + example + `# ${'x'.repeat(78)}\n`.repeat(50_000),
  '20,000 hosts': hosts(20_000),
  '7 MB multi-line string': `${example}[boot]\nkernel_append = """\n${'quiet splash\n'.repeat(540_000)}"""\n`,
  'lts.conf keys, one table (1.2 million)': ltsKeys(Infinity),
  'lts.conf keys, 1,000 a table': ltsKeys(1000),
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// wall time, exit code, first line of stderr and peak RSS (GNU time's, the last line it adds)
const time = (cmd, args) => {
  const t = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 26 });
  const lines = (r.stderr ?? '').trimEnd().split('\n');
  const mb = Number(lines.pop()) / 1024;
  const err = lines.filter((l) => !l.startsWith('Command exited with non-zero status'))[0] ?? '';
  return { s: Number(process.hrtime.bigint() - t) / 1e9, code: r.status, err: err.slice(0, 90), mb };
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
    console.log(`  ${name.padEnd(40)} ${mb.toFixed(1).padStart(5)} MB: ${s.toFixed(2)} s (${(s / mb).toFixed(2)} s/MB; wc -l ${median(wc).toFixed(2)} s), ${last.mb.toFixed(0)} MB peak RSS, exit ${last.code}${last.code ? `: ${last.err}` : ''}`);
  }
  const zero = time(cli, ['--config', '/dev/zero', 'get', 'server.address']);
  console.log(`  ${'/dev/zero'.padEnd(40)}          ${zero.s.toFixed(2)} s, ${zero.mb.toFixed(0)} MB peak RSS, exit ${zero.code}: ${zero.err}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
