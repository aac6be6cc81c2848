// The SHA-256 apply records (src/system/sha256.ts: a WebAssembly compression
// function, node:crypto for large inputs) against node:crypto's, on every
// length around a block and a chunk boundary, on random bytes and on text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, REPO, scratch } from '../support/cli';
import { sha256, wasmSha256 } from '../../src/system/sha256';

const reference = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

test('the WebAssembly SHA-256 gives node:crypto\'s digest: the FIPS 180-4 examples, every length to 300 bytes, around 64 KiB chunks', () => {
  assert.equal(wasmSha256(Buffer.from('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(wasmSha256(Buffer.alloc(0)), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(wasmSha256(Buffer.from('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')), '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  const data = randomBytes(200_000);
  for (let n = 0; n <= 300; n++) assert.equal(wasmSha256(data.subarray(0, n)), reference(data.subarray(0, n)), `${n} bytes`);
  for (const n of [65_471, 65_472, 65_535, 65_536, 65_537, 65_600, 131_072, 131_127, 131_128, 200_000]) assert.equal(wasmSha256(data.subarray(0, n)), reference(data.subarray(0, n)), `${n} bytes`);
  // one instance serves every hash of a run: nothing of one input is left for the next
  assert.equal(wasmSha256(Buffer.from('abc')), reference('abc'));
});

test('sha256 of text hashes its UTF-8; large inputs (node:crypto) give the same digest', () => {
  for (const text of ['', 'site.toml', 'Größe ≤ 1 µs 🖥', 'x'.repeat(1_000)]) assert.equal(sha256(text), reference(text));
  const big = randomBytes(300 * 1024);
  assert.equal(sha256(big), reference(big));
  assert.equal(sha256(big.subarray(0, 256 * 1024 - 1)), reference(big.subarray(0, 256 * 1024 - 1)));
});

test('a one-file apply (site, file, state, stamp, lock: all hashed) does not load node:crypto', () => {
  const dir = scratch('ltspcfg-sha-');
  const root = join(dir, 'root');
  mkdirSync(root);
  // told at exit by a module node loads first: which of node's own modules the run loaded
  const preload = join(dir, 'loaded.js');
  writeFileSync(preload, "process.on('exit', () => require('fs').writeSync(2, `crypto loaded: ${process.moduleLoadList.includes('NativeModule crypto')}\\n`));\n");
  const r = spawnSync(process.execPath, ['--require', preload, CLI, '--root', root, '--config', join(REPO, 'examples/proxy.toml'), 'apply', '--yes', '--only', 'exports,dnsmasq', '--no-check'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /Wrote 5 change\(s\)\./);
  assert.equal(r.stderr, 'crypto loaded: false\n');
  // whole files are recorded by their digest (an edit by its block's)
  const state = JSON.parse(readFileSync(join(root, 'var/lib/ltsp-ts/state.json'), 'utf8')) as { files: Record<string, { sha256: string; kind: string }> };
  const whole = Object.entries(state.files).filter(([, record]) => record.kind === 'file');
  assert.deepEqual(whole.map(([path]) => path), ['/etc/dnsmasq.d/ltsp-ts.conf', '/etc/exports.d/ltsp-ts.exports']);
  for (const [path, record] of whole) assert.equal(record.sha256, reference(readFileSync(join(root, path))), path);
});
