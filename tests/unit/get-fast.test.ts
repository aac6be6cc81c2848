// `get KEY` without commander (src/get-fast.ts): which command lines take that
// path, and that it answers exactly as the whole command line does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { plainAnswer, plainGet } from '../../src/get-fast';
import { answersOf, plainAnswersOf, shellAssignments } from '../../src/commands/get';
import { parseSite } from '../../src/site/load';
import { REPO, ltspcfg } from '../support/cli';

const WIKI = join(REPO, 'examples/wiki-sample.toml');

test('plain get command lines are recognised; anything else goes to commander', () => {
  assert.deepEqual(plainGet(['--config', 'a.toml', 'get', 'tftp.root']), { opts: { config: 'a.toml' }, keys: ['tftp.root'], shell: false });
  assert.deepEqual(plainGet(['get', 'tftp.root', '-c', 'a.toml', '--root=/r', '--gentoo', '--no-color']), {
    opts: { config: 'a.toml', root: '/r', gentoo: true, color: false }, keys: ['tftp.root'], shell: false,
  });
  assert.deepEqual(plainGet(['--config=-odd.toml', 'get', 'k']), { opts: { config: '-odd.toml' }, keys: ['k'], shell: false });
  assert.deepEqual(plainGet(['--config', 'a.toml', 'get', '--shell', 'tftp', 'dhcp.mode']), { opts: { config: 'a.toml' }, keys: ['tftp', 'dhcp.mode'], shell: true });
  for (const args of [
    ['get'], ['get', 'a', 'b'], ['get', '--shell'], ['status'], ['get', '--help', 'k'], ['get', '-h'], ['--version'], ['get', '--', 'k'],
    ['--config'], ['get', 'k', '--config'], ['-cfile', 'get', 'k'], ['--bogus', 'get', 'k'], ['render', 'get'], [],
  ]) assert.equal(plainGet(args), null, args.join(' '));
});

test('the fast get answers as commander does: values, unset keys, mistakes', () => {
  for (const key of ['tftp.root', 'tftp.address', 'network.routers', 'group[2].host[2].mac', 'boot.serial_console', 'tftp.rot', 'tftp', 'group[9].host[1].mac', 'lts.Default.X']) {
    const fast = ltspcfg(['--config', WIKI, 'get', key]);
    const full = ltspcfg(['--config', WIKI, 'get', '--', key]);
    assert.deepEqual(fast, full, key);
  }
  for (const keys of [['tftp', 'dhcp.mode', 'server.interface'], ['tftp.rot'], ['lts']]) {
    const fast = ltspcfg(['--config', WIKI, 'get', '--shell', ...keys]);
    const full = ltspcfg(['--config', WIKI, 'get', '--shell', '--', ...keys]);
    assert.deepEqual(fast, full, `--shell ${keys.join(' ')}`);
  }
  for (const args of [['--root', '/nonexistent', 'get', 'tftp.root'], ['--config', '/nonexistent.toml', 'get', 'tftp.root']]) {
    assert.deepEqual(ltspcfg(args), ltspcfg([...args.slice(0, -1), '--', args[args.length - 1]]), args.join(' '));
  }
});

test('the plain answers the launcher prints agree with the full get, key by key and table by table, on every example', () => {
  let keys = 0;
  for (const example of readdirSync(join(REPO, 'examples')).filter((n) => n.endsWith('.toml'))) {
    const file = join(REPO, 'examples', example);
    const loaded = parseSite(readFileSync(file), file);
    const full = answersOf(loaded);
    const plain = plainAnswersOf(loaded);
    assert.ok(Object.keys(plain.tables).length > 10, example);
    for (const key of [...Object.keys(plain.leaves), ...Object.keys(plain.tables)]) {
      assert.equal(plainAnswer(plain, [key], true), shellAssignments(full, [key]) + '\n', `${example}: --shell ${key}`);
      keys++;
    }
    // what they do not hold is answered by the full path: arrays of tables, lts.*, unknown keys
    for (const key of ['group[1].name', 'lts.Default.XF86CONFIG_FILE', 'tftp.rot', 'tftp.root.x']) assert.equal(plainAnswer(plain, [key], false), null, key);
    assert.equal(plainAnswer(plain, ['tftp', 'tftp.rot'], true), null);
  }
  assert.ok(keys > 100, `${keys} keys compared`);
});
