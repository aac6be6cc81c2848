// Reading --config never hangs or crawls: only a regular file, at most
// MAX_SITE_BYTES, lines and strings capped before the TOML parser runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { MAX_SITE_BYTES } from '../../src/system/sitefile';
import { MAX_LINE_CHARS, MAX_STRING_CHARS, MAX_TABLE_KEYS } from '../../src/site/prescan';
import { REPO, hashTree, ltspcfg, scratch } from '../support/cli';

const ONE_LINE = /^[^\n]+:0:0: cannot read the site file: [^;\n]+; expected a readable site\.toml, a regular file of at most \d+ MiB/;

/** Runs the CLI with a deadline: a read that blocks fails the test instead of hanging it. */
const run = (args: string[]) => ltspcfg(args, { timeout: 20_000 });

test('devices, FIFOs, sockets and directories are refused at once, named', async () => {
  const dir = scratch();
  const fifo = join(dir, 'site.fifo');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  symlinkSync('/dev/zero', join(dir, 'zero-link.toml'));
  const sock = join(dir, 'site.sock');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  const root = scratch();
  const before = hashTree(root);
  try {
    for (const [file, why] of [
      ['/dev/zero', 'it is a character device'],
      ['/dev/urandom', 'it is a character device'],
      [fifo, 'it is a FIFO'],
      [join(dir, 'zero-link.toml'), 'it is a character device'],
      [dir, 'it is a directory'],
      [sock, 'it is a socket or a device without a driver'],
    ]) {
      for (const args of [['get', 'tftp.root'], ['--yes'], ['apply', '--yes']]) {
        const r = run(['--root', root, '--config', file, ...args]);
        assert.equal(r.code, 2, `${file} ${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, ONE_LINE);
        assert.ok(r.stderr.includes(why), `${file}: ${r.stderr}`);
        assert.equal(r.stderr.trimEnd().split('\n').length, 1);
      }
    }
  } finally {
    server.close();
  }
  assert.equal(hashTree(root), before);
});

test('a site file over the size cap is refused before it is read', () => {
  const dir = scratch();
  const file = join(dir, 'big.toml');
  writeFileSync(file, readFileSync(join(REPO, 'examples/primary.toml')));
  // sparse: the cap is checked from fstat, so even 1 GiB costs nothing
  for (const size of [MAX_SITE_BYTES + 1, 1024 ** 3]) {
    truncateSync(file, size);
    const r = run(['--config', file, 'check']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, ONE_LINE);
    assert.ok(r.stderr.includes(`it has ${size} bytes, more than the ${MAX_SITE_BYTES / 1048576} MiB`), r.stderr);
  }
});

test('a huge line or string is refused at its line and column, not parsed', () => {
  const dir = scratch();
  const base = readFileSync(join(REPO, 'examples/primary.toml'), 'utf8');
  const lines = base.split('\n').length;
  const cases: [string, string, number, number][] = [
    ['unterminated', `${base}x = "${'a'.repeat(7_000_000)}\n`, lines, MAX_LINE_CHARS + 1],
    ['terminated', `${base}x = "${'a'.repeat(7_000_000)}"\n`, lines, MAX_LINE_CHARS + 1],
    ['comment', `${base}#${'#'.repeat(7_000_000)}\n`, lines, MAX_LINE_CHARS + 1],
    ['multi-line', `${base}[boot]\nkernel_append = """\n${'quiet splash\n'.repeat(500_000)}"""\n`, lines + 1, 17],
    ['literal multi-line', `${base}[boot]\nkernel_append = '''\n${'x'.repeat(MAX_STRING_CHARS / 2)}\n${'x'.repeat(MAX_STRING_CHARS / 2)}\n'''\n`, lines + 1, 17],
  ];
  for (const [name, text, line, col] of cases) {
    const file = join(dir, `${name.replace(/ /g, '-')}.toml`);
    writeFileSync(file, text);
    const r = run(['--config', file, 'check']);
    assert.equal(r.code, 2, `${name}: ${r.stderr}`);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.ok(r.stderr.startsWith(`${file}:${line}:${col}: `), `${name}: ${r.stderr.slice(0, 300)}`);
  }
});

test('comments up to the cap parse, and a valid site padded with them stays valid', () => {
  const dir = scratch();
  const file = join(dir, 'padded.toml');
  const pad = `# ${'x'.repeat(78)}\n`.repeat(Math.floor((MAX_SITE_BYTES - 10_000) / 81 / 2));
  writeFileSync(file, pad + readFileSync(join(REPO, 'examples/primary.toml'), 'utf8') + pad);
  const r = run(['--config', file, 'get', 'tftp.root']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '/tftpboot\n');
});

test('a table of more keys than any real one is refused at the first key too many, before parsing; nothing written', () => {
  const dir = scratch();
  const root = scratch();
  const before = hashTree(root);
  const base = readFileSync(join(REPO, 'examples/primary.toml'), 'utf8');
  const header = '[lts."02:00:00:00:00:99"]\n';
  const keys = (n: number) => Array.from({ length: n }, (_, i) => `K${i} = "x"\n`).join('');
  // at the cap, with comments, blank lines and a multi-line array between the keys (none of them a key)
  const atCap = join(dir, 'at-cap.toml');
  writeFileSync(atCap, `${base}${header}# ${'c\n#'.repeat(2000)}\n${'\n'.repeat(2000)}${keys(MAX_TABLE_KEYS)}`);
  const ok = run(['--config', atCap, 'get', 'server.address']);
  assert.equal(ok.code, 0, ok.stderr);
  const arrays = join(dir, 'long-array.toml');
  writeFileSync(arrays, base.replace(/^dns\s*=.*$/m, `dns = [\n${'  "10.10.0.1", # the server\n'.repeat(MAX_TABLE_KEYS + 10)}]`));
  const arr = run(['--config', arrays, 'get', 'network.dns']);
  assert.doesNotMatch(arr.stderr, /keys in one table/);
  // one key more, in a section with a million: refused at its line, one line, exit 2
  const lines = base.split('\n').length;
  for (const [name, text, line, key] of [
    ['lts section', `${base}${header}${keys(1_000_000)}`, lines + 1 + MAX_TABLE_KEYS, 'lts."02:00:00:00:00:99"'],
    ['top level', `${keys(MAX_TABLE_KEYS + 1)}${base}`, MAX_TABLE_KEYS + 1, ''],
  ] as const) {
    const file = join(dir, `${name.replace(/ /g, '-')}.toml`);
    writeFileSync(file, text);
    for (const args of [['get', 'server.address'], ['--root', root, 'apply', '--yes']]) {
      const r = run(['--config', file, ...args]);
      assert.equal(r.code, 2, `${name}: ${r.stderr}`);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      const where = `${file}:${line}:1: ${key ? `${key}: the table` : 'the top level'} has more than ${MAX_TABLE_KEYS} keys; expected at most ${MAX_TABLE_KEYS} keys in one table`;
      assert.ok(r.stderr.startsWith(where), `${name}: ${r.stderr.slice(0, 300)}`);
    }
  }
  assert.equal(hashTree(root), before);
});

test('a site file that is not UTF-8 is refused in one line', () => {
  const dir = scratch();
  const file = join(dir, 'latin1.toml');
  writeFileSync(file, Buffer.concat([readFileSync(join(REPO, 'examples/primary.toml')), Buffer.from('# caf\xe9\n', 'latin1')]));
  const r = run(['--config', file, 'get', 'server.address']);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr, `${file}:1:1: the file is not valid UTF-8; expected a UTF-8 text file in TOML\n`);
});
