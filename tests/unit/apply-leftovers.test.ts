// What apply leaves behind and how it shares the system: temporary files of an
// interrupted run are cleaned, files no longer planned are removed with a backup,
// one apply at a time, and a damaged state.json is one line, never a stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync, appendFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { lockPath } from '../../src/system/lock';
import { CLI, REPO, hashTree, ltspcfg, scratch } from '../support/cli';

const PRIMARY = readFileSync(join(REPO, 'examples/primary.toml'), 'utf8');
const ONLY = 'pxelinux,lts.conf';

function staged(text = PRIMARY): { root: string; site: string; apply: (...extra: string[]) => ReturnType<typeof ltspcfg> } {
  const root = scratch();
  const site = join(root, 'site.toml');
  writeFileSync(site, text);
  return { root, site, apply: (...extra) => ltspcfg(['--gentoo', '--root', root, '--config', site, 'apply', '--yes', '--only', ONLY, ...extra]) };
}

const PER_HOST = 'tftpboot/pxelinux.cfg/01-00-60-08-11-22-33';
const withoutAnnex01 = (text: string) => text.replace(/ {2}\[\[group\.host\]\]\n {2}name {4}= "annex01"[\s\S]*?(?=\n {2}\[\[group\.host\]\])/, '');

test('a file ltspcfg-ts wrote and no longer plans is removed, shown in the plan, with a backup', () => {
  const s = staged();
  assert.equal(s.apply().code, 0);
  const old = readFileSync(join(s.root, PER_HOST));
  assert.notEqual(withoutAnnex01(PRIMARY), PRIMARY, 'the fixture edit removed the host');
  writeFileSync(s.site, withoutAnnex01(PRIMARY));
  const dry = ltspcfg(['--gentoo', '--root', s.root, '--config', s.site, '--dry-run', 'apply', '--only', ONLY]);
  assert.match(dry.stdout, /remove {2}\/tftpboot\/pxelinux\.cfg\/01-00-60-08-11-22-33 {2}\(pxelinux: no longer planned/, dry.stdout);
  assert.ok(existsSync(join(s.root, PER_HOST)), 'a dry run removes nothing');
  const r = s.apply();
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /remove {2}\/tftpboot\/pxelinux\.cfg\/01-00-60-08-11-22-33/);
  assert.ok(!existsSync(join(s.root, PER_HOST)));
  assert.deepEqual(readFileSync(join(s.root, 'var/lib/ltsp-ts/backup', PER_HOST)), old);
  const state = JSON.parse(readFileSync(join(s.root, 'var/lib/ltsp-ts/state.json'), 'utf8')) as { files: Record<string, unknown> };
  assert.ok(!state.files[`/${PER_HOST}`], 'the state forgets it');
  const before = hashTree(s.root);
  assert.match(s.apply().stdout, /Nothing to do/);
  assert.equal(hashTree(s.root), before, 'the next run changes nothing');
});

test('a no-longer-planned file edited by hand is left until --force', () => {
  const s = staged();
  assert.equal(s.apply().code, 0);
  appendFileSync(join(s.root, PER_HOST), '# mine\n');
  writeFileSync(s.site, withoutAnnex01(PRIMARY));
  const r = s.apply();
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /leave {3}\/tftpboot\/pxelinux\.cfg\/01-00-60-08-11-22-33 {2}\(pxelinux: no longer planned, edited by hand/);
  assert.ok(existsSync(join(s.root, PER_HOST)));
  const forced = s.apply('--force');
  assert.equal(forced.code, 0, forced.stderr);
  assert.ok(!existsSync(join(s.root, PER_HOST)));
  assert.match(readFileSync(join(s.root, 'var/lib/ltsp-ts/backup', PER_HOST), 'utf8'), /# mine\n$/);
});

test("stale temporary files of this tool are removed at the next apply; others' files are not", () => {
  const s = staged();
  assert.equal(s.apply().code, 0);
  const past = new Date(Date.now() - 3600_000);
  const stale = [join(s.root, 'tftpboot/pxelinux.cfg/.default.ltspcfg-ts-4242.tmp'), join(s.root, 'opt/ltsp/i386/etc/.lts.conf.ltspcfg-77.tmp'), join(s.root, 'var/lib/ltsp-ts/.state.json.ltspcfg-ts-4243.tmp')];
  const kept = [join(s.root, 'tftpboot/pxelinux.cfg/.default.swp'), join(s.root, 'tftpboot/pxelinux.cfg/default.ltspcfg-ts-1.tmp.keep')];
  for (const f of [...stale, ...kept]) {
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, 'half');
    utimesSync(f, past, past);
  }
  const r = s.apply();
  assert.equal(r.code, 0, r.stderr);
  for (const f of stale) {
    assert.ok(!existsSync(f), f);
    assert.ok(r.stdout.includes(`clean   ${f}`), r.stdout);
  }
  for (const f of kept) assert.ok(existsSync(f), f);
});

test('one apply at a time: a held lock is waited for, then apply exits 1 naming the holder', async () => {
  const s = staged();
  // a live holder: a process of our own, its pid and start time written as apply writes them
  const holder = spawn('sleep', ['30']);
  try {
    const lock = lockPath(s.root);
    mkdirSync(dirname(lock), { recursive: true });
    const stat = readFileSync(`/proc/${holder.pid}/stat`, 'utf8');
    writeFileSync(lock, `${holder.pid} ${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}\n`);
    const before = hashTree(s.root);
    const t0 = Date.now();
    const r = s.apply();
    assert.equal(r.code, 1, r.stderr);
    assert.ok(Date.now() - t0 >= 4000, 'it waited');
    assert.match(r.stderr, new RegExp(`^ltspcfg-ts: another ltspcfg-ts apply \\(pid ${holder.pid}\\) holds ${lock.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; waited 5 s, nothing was written\\n$`));
    assert.equal(hashTree(s.root), before);
    // a bad site.toml is refused while the lock is held, without waiting for it
    writeFileSync(s.site, PRIMARY.replace(/^subnet *= *"[^"]*"/m, 'subnet = "10.0.0.0/33"'));
    const unchanged = hashTree(s.root);
    const t1 = Date.now();
    const bad = s.apply();
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /site\.toml:\d+:.*network\.subnet/);
    assert.ok(Date.now() - t1 < 4000, 'it did not wait for the lock');
    assert.equal(hashTree(s.root), unchanged);
    writeFileSync(s.site, PRIMARY);
    // the holder goes away (killed mid-apply): its lock is taken over
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.on('exit', resolve));
    const after = s.apply();
    assert.equal(after.code, 0, after.stderr);
    assert.ok(!existsSync(lock), 'released after the run');
  } finally {
    holder.kill('SIGKILL');
  }
});

test('two applies at once: both succeed, one after the other, and the result is whole', async () => {
  const s = staged();
  const run = () =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = spawn(process.execPath, [CLI, '--gentoo', '--root', s.root, '--config', s.site, 'apply', '--yes', '--only', ONLY], { env: { ...process.env, NO_COLOR: '1' } });
      let out = '';
      p.stdout.on('data', (d: Buffer) => (out += d));
      p.stderr.on('data', (d: Buffer) => (out += d));
      p.on('exit', (code) => resolve({ code, out }));
    });
  const [a, b] = await Promise.all([run(), run()]);
  assert.equal(a.code, 0, a.out);
  assert.equal(b.code, 0, b.out);
  assert.ok([a.out, b.out].some((o) => /Nothing to do/.test(o)), 'the second saw the first one\'s result');
  assert.match(s.apply().stdout, /Nothing to do/);
});

/** Every path under dir with its type, mode, size and mtime; reads no file. */
function listing(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      out.push(`${p} ${st.mode} ${st.size} ${st.mtimeMs}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.join('\n');
}

test('a damaged state.json of any shape: one line naming it, exit 1, nothing written', () => {
  const shapes: [string, string | null][] = [
    ['files null', '{"version":1,"files":null}'],
    ['files an array', '{"version":1,"files":[]}'],
    ['null', 'null'],
    ['a string', '"state"'],
    ['an array', '[]'],
    ['empty object', '{}'],
    ['another version', '{"version":2,"files":{}}'],
    ['truncated', '{"version":1,"files":{"/etc/hosts":{"target":"hosts"'],
    ['empty', ''],
    ['binary', '\u0000\u0001\u00ff'],
    ['relative path', '{"version":1,"files":{"etc/hosts":{"target":"hosts","sha256":"' + '0'.repeat(64) + '","site":"x"}}}'],
    ['dotdot path', '{"version":1,"files":{"/tftpboot/../etc/shadow":{"target":"pxelinux","sha256":"' + '0'.repeat(64) + '","site":"x"}}}'],
    ['record null', '{"version":1,"files":{"/etc/hosts":null}}'],
    ['record without sha', '{"version":1,"files":{"/etc/hosts":{"target":"hosts"}}}'],
    ['__proto__ record', '{"version":1,"files":{"__proto__":{"target":"hosts"}}}'],
    ['a directory', null],
    ['a FIFO', null],
    ['a link to /dev/zero', null],
  ];
  for (const [name, text] of shapes) {
    const s = staged();
    const state = join(s.root, 'var/lib/ltsp-ts/state.json');
    mkdirSync(dirname(state), { recursive: true });
    if (text !== null) writeFileSync(state, text);
    else if (name === 'a directory') mkdirSync(state);
    else if (name === 'a FIFO') assert.equal(spawnSync('mkfifo', [state]).status, 0);
    else symlinkSync('/dev/zero', state);
    // not hashTree: it reads every file, and reading the FIFO would block
    const fingerprint = () => listing(s.root);
    const before = fingerprint();
    for (const args of [['apply', '--yes', '--only', ONLY], ['status'], ['--yes']]) {
      const r = ltspcfg(['--gentoo', '--root', s.root, '--config', s.site, ...args], { timeout: 20_000 });
      assert.equal(r.code, 1, `${name}, ${args[0]}: ${r.stderr}`);
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, `${name}: ${r.stderr}`);
      assert.ok(lines[0].startsWith(`ltspcfg-ts: ${state} is damaged (`), `${name}: ${lines[0]}`);
      assert.doesNotMatch(r.stderr, /\n\s+at |TypeError|EISDIR/);
    }
    assert.equal(fingerprint(), before, name);
    rmSync(s.root, { recursive: true, force: true });
  }
});
