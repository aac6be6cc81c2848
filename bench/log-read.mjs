// `ltspcfg-ts clients` on a 1 GB synthetic /var/log/messages: 30 days of a busy
// server's lines (cron, sshd, kernel, dhcpd, in.tftpd) with the boots of the
// site's 30 thin clients spread through it and their last boots in the final
// minutes. Goal: under 1 s and under 100 MB of memory (max RSS of the whole
// process) to find every client's last boot. Beside it, in the same run, what the
// wiki has the admin do, `grep -c MAC /var/log/messages` over the same file, and
// `tail -c 32M | grep` over the window `clients` reads at most by default.
//   case "all booted": every host's last boot is near the end (the reader stops there)
//   case "one silent": one host never booted: the reader goes back to its byte budget
// The file is made once into $LTSP_TEST_CACHE (default /var/cache/ltsp-ts-tests).
import './user-env.mjs';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const SIZE = Number(process.env.LOG_BYTES ?? 1024 ** 3);
const cache = process.env.LTSP_TEST_CACHE ?? '/var/cache/ltsp-ts-tests';
const HOSTS = 30;
const mac = (i) => `02:00:5e:00:01:${i.toString(16).padStart(2, '0')}`;
const addr = (i) => `192.0.2.${10 + i}`;
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const stamp = (t) => {
  const d = new Date(t);
  const p = (n) => String(n).padStart(2, '0');
  return `${MON[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
};

function bootLines(i, t) {
  const m = mac(i);
  const a = addr(i);
  return [
    [t, `dhcpd[812]: DHCPDISCOVER from ${m} via eth0`],
    [t + 200, `dhcpd[812]: DHCPOFFER on ${a} to ${m} via eth0`],
    [t + 1200, `dhcpd[812]: DHCPREQUEST for ${a} (192.0.2.1) from ${m} via eth0`],
    [t + 1210, `dhcpd[812]: DHCPACK on ${a} to ${m} via eth0`],
    [t + 1500, `in.tftpd[2210]: RRQ from ${a} filename /pxelinux.0`],
    [t + 1900, `in.tftpd[2211]: RRQ from ${a} filename /ldlinux.c32`],
    [t + 2100, `in.tftpd[2212]: RRQ from ${a} filename /pxelinux.cfg/01-${m.replace(/:/g, '-')}`],
    [t + 3000, `in.tftpd[2213]: RRQ from ${a} filename /lts/vmlinuz`],
    [t + 6500, `in.tftpd[2214]: RRQ from ${a} filename /lts/initramfs.gz`],
  ];
}

const NOISE = [
  'CRON[4121]: (root) CMD (run-parts /etc/cron.hourly)',
  'sshd[5120]: Accepted publickey for admin from 198.51.100.7 port 51234 ssh2: ED25519 SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  'kernel: [12345.678901] e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx',
  'syslog-ng[301]: Configuration reload request received, reloading configuration;',
  'dhcpd[812]: DHCPINFORM from 198.51.100.9 via eth1',
  'smartd[990]: Device: /dev/sda [SAT], SMART Usage Attribute: 194 Temperature_Celsius changed from 36 to 37',
];

/** Writes the synthetic log: old boots every 6 hours, the last ones in the final 10 minutes. */
function makeLog(path, now) {
  const tmp = `${path}.tmp${process.pid}`;
  const fd = openSync(tmp, 'w');
  const lines = Math.floor(SIZE / 118);
  const span = 30 * 86400_000;
  const start = now - span;
  const step = span / lines;
  let written = 0;
  let buf = [];
  let bytes = 0;
  const flush = () => {
    const s = buf.join('');
    writeSync(fd, s);
    written += Buffer.byteLength(s);
    buf = [];
    bytes = 0;
  };
  let nextBoot = start + 3600_000;
  const lastBoots = now - 10 * 60_000;
  for (let n = 0; written + bytes < SIZE; n++) {
    const t = start + n * step;
    if (t >= nextBoot && t < lastBoots) {
      for (let i = 1; i < HOSTS; i++) for (const [bt, l] of bootLines(i, t + i * 20_000)) buf.push(`${stamp(bt)} ltsp ${l}\n`);
      nextBoot += 6 * 3600_000;
    }
    if (t >= lastBoots) break;
    const l = `${stamp(t)} ltsp ${NOISE[n % NOISE.length]}\n`;
    buf.push(l);
    bytes += l.length;
    if (bytes > 1 << 20) flush();
  }
  // the last boots (host 30 is the silent one: it never boots), mixed into noise
  const tail = [];
  for (let i = 1; i < HOSTS; i++) tail.push(...bootLines(i, lastBoots + i * 15_000));
  for (let t = lastBoots; t < now - 5_000; t += 50) tail.push([t, NOISE[Math.floor(t / 50) % NOISE.length]]);
  tail.sort((a, b) => a[0] - b[0]);
  for (const [t, l] of tail) buf.push(`${stamp(t)} ltsp ${l}\n`);
  flush();
  closeSync(fd);
  renameSync(tmp, path);
}

function site(dir, hosts) {
  const h = [];
  for (let i = 1; i <= hosts; i++) h.push(`[[host]]\nname = "ws${String(i).padStart(3, '0')}"\nmac = "${mac(i)}"\naddress = "${addr(i)}"\n`);
  writeFileSync(
    join(dir, 'site.toml'),
    `[server]\naddress = "192.0.2.1"\ninterface = "eth0"\n[network]\nsubnet = "192.0.2.0/24"\n[dhcp]\nmode = "primary"\nrange = ["192.0.2.100", "192.0.2.199"]\n[boot]\npxe_filename = "/pxelinux.0"\nkernel = "/lts/vmlinuz"\ninitrd = "/lts/initramfs.gz"\n[syslog]\nlog_dir = "/var/log/ltsp"\n${h.join('')}`,
  );
}

function run(args) {
  const t = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', ...args], { cwd: repo, encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  const rssKb = Number(r.stderr.trim().split('\n').pop());
  return { ms, rssMb: rssKb / 1024, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

mkdirSync(cache, { recursive: true });
// a new file each day: the times in it are relative to when it was made
const day = new Date().toISOString().slice(0, 10);
const log = join(cache, `bench-messages-${SIZE}-${day}.log`);
if (!existsSync(log)) {
  process.stdout.write(`log-read: writing ${(SIZE / 1024 ** 3).toFixed(2)} GB of synthetic syslog to ${log} (once) ...\n`);
  makeLog(log, Date.now());
}
const root = mkdtempSync(join(tmpdir(), 'ltsp-bench-log-'));
try {
  mkdirSync(join(root, 'var/log/ltsp'), { recursive: true });
  symlinkSync(log, join(root, 'var/log/messages'));
  const cli = (hosts) => {
    site(root, hosts);
    return [process.execPath, 'dist/ltspcfg-ts.js', '--root', root, '--config', join(root, 'site.toml'), 'clients', '--json'];
  };
  // warm the page cache for the end of the file and for grep's whole pass
  run(cli(HOSTS - 1));
  run(['grep', '-c', mac(7), log]);
  const WINDOW = 32 * 1024 * 1024; // what `clients` reads at most without --since
  const contenders = {
    'all booted': () => run(cli(HOSTS - 1)),
    'one silent': () => run(cli(HOSTS)),
    // what an admin would type: the wiki's grep over the whole file, or the same window's tail through grep
    grep: () => run(['grep', '-c', mac(7), log]),
    tail: () => run(['sh', '-c', `tail -c ${WINDOW} "$1" | grep -cE 'DHCPDISCOVER|RRQ from'`, 'sh', log]),
    node: () => run([process.execPath, '-e', '0']),
  };
  const RUNS = Number(process.env.RUNS ?? 5);
  const got = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  // interleaved, so that a change in the machine's load falls on every contender alike
  for (let i = 0; i < RUNS; i++) for (const [k, f] of Object.entries(contenders)) got[k].push(f());
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const ms = (k) => median(got[k].map((r) => r.ms));
  const rss = (k) => Math.max(...got[k].map((r) => r.rssMb));
  const size = statSync(log).size;
  const load = loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`log read (${(size / 1024 ** 3).toFixed(2)} GB syslog, ${HOSTS} hosts, median of ${RUNS} interleaved runs, load average ${load}; goal < 1000 ms, < 100 MB max RSS):`);
  let met = true;
  for (const label of ['all booted', 'one silent']) {
    const r = got[label][0];
    if (r.status !== 0 && r.status !== 1) throw new Error(`clients failed: ${r.stderr}`);
    const json = JSON.parse(r.stdout);
    const booted = json.clients.filter((c) => c.last_boot?.stage === 'initrd').length;
    const ok = ms(label) < 1000 && rss(label) < 100;
    met &&= ok;
    console.log(
      `  clients --json, ${label}: ${ms(label).toFixed(0)} ms, ${rss(label).toFixed(0)} MB max RSS, ${json.lines_read} lines read, ${booted} last boots found at stage initrd` +
        `; vs grep -c MAC over the whole file ${(ms(label) / ms('grep')).toFixed(2)}x, vs tail -c 32M | grep ${(ms(label) / ms('tail')).toFixed(2)}x${ok ? '' : '  OVER GOAL'}`,
    );
  }
  console.log(`  grep -c MAC over the whole file ${ms('grep').toFixed(0)} ms; tail -c 32M | grep -cE ${ms('tail').toFixed(0)} ms; node -e 0 ${ms('node').toFixed(0)} ms, ${rss('node').toFixed(0)} MB`);
  console.log(`  goal ${met ? 'met' : 'NOT met'}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
