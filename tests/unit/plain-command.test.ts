// One parser (src/plain-command.ts) tells the plain `get` and `render` command
// lines the launcher may answer from kept files from everything else, which goes
// to commander: values taken as commander takes them, a command's own options
// only after its word, anything unknown or incomplete refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plainCommand } from '../../src/plain-command';
import { GET_OPTIONS, RENDER_OPTIONS } from '../../src/options';
import { plainGet } from '../../src/get-fast';
import { plainRender } from '../../src/render-fast';

test('global options anywhere, in every spelling; the words after the command word', () => {
  assert.deepEqual(plainCommand(['-c', 'a.toml', '--root=/r', 'get', 'k', '--gentoo', '-y', '-n', '--no-color'], 'get'), {
    opts: { config: 'a.toml', root: '/r', gentoo: true, yes: true, dryRun: true, color: false }, words: ['k'], own: {},
  });
  assert.deepEqual(plainCommand(['render', 'dhcpd', '--dry-run', '--yes', '--config=x=y'], 'render'), {
    opts: { dryRun: true, yes: true, config: 'x=y' }, words: ['dhcpd'], own: {},
  });
  // a value is the next argument whatever it is, as commander takes it
  assert.deepEqual(plainCommand(['--config', '-odd.toml', 'get', 'k'], 'get')?.opts, { config: '-odd.toml' });
  assert.deepEqual(plainCommand(['--root', '--gentoo', 'get', 'k'], 'get')?.opts, { root: '--gentoo' });
  assert.deepEqual(plainCommand(['--config='], 'get'), null, 'no command word');
  assert.deepEqual(plainCommand(['get', '--config=', 'k'], 'get')?.opts, { config: '' });
});

test('a command\'s own options count after its word only, where commander takes them', () => {
  const render = RENDER_OPTIONS;
  assert.deepEqual(plainCommand(['render', 'dhcpd', '--path', '/etc/x'], 'render', render)?.own, { path: '/etc/x' });
  assert.deepEqual(plainCommand(['render', '--path=/etc/x', 'dhcpd'], 'render', render)?.own, { path: '/etc/x' });
  assert.equal(plainCommand(['--path', '/etc/x', 'render', 'dhcpd'], 'render', render), null, 'commander: unknown option before the command');
  assert.equal(plainCommand(['--shell', 'get', 'tftp'], 'get', GET_OPTIONS), null);
  assert.deepEqual(plainCommand(['get', 'tftp', '--shell', 'server'], 'get', GET_OPTIONS), { opts: {}, words: ['tftp', 'server'], own: { shell: true } });
  assert.equal(plainCommand(['render', 'dhcpd', '--path'], 'render', render), null, 'a value missing');
});

test('anything else is not plain: another command first, unknown options, flags with a value, `--`, short options glued', () => {
  for (const args of [
    [], ['status'], ['render', 'get', 'k'], ['--bogus', 'get', 'k'], ['get', '--help'], ['get', '-h', 'k'], ['--version'],
    ['get', '--', 'k'], ['-cfile', 'get', 'k'], ['-c=file', 'get', 'k'], ['--gentoo=1', 'get', 'k'], ['--no-color=x', 'get', 'k'],
    ['--config'], ['get', 'k', '--root'], ['get', '--shell=1', 'k'],
  ]) assert.equal(plainCommand(args, 'get', GET_OPTIONS), null, args.join(' '));
});

test('plainGet and plainRender take their words from the one parser', () => {
  assert.deepEqual(plainGet(['--config', '-x', 'get', 'tftp.root']), { opts: { config: '-x' }, keys: ['tftp.root'], shell: false });
  assert.equal(plainGet(['--shell', 'get', 'tftp', 'server']), null);
  assert.equal(plainGet(['get', 'tftp', 'server']), null, 'two keys without --shell');
  assert.deepEqual(plainRender(['render', 'dhcpd', '-r', '/r']), { opts: { root: '/r' }, target: 'dhcpd', path: '' });
  assert.deepEqual(plainRender(['--config', '-x', 'render', 'nbd', '--path=/etc/nbd-server/config']), { opts: { config: '-x' }, target: 'nbd', path: '/etc/nbd-server/config' });
  assert.equal(plainRender(['--path', '/p', 'render', 'dhcpd']), null);
  assert.equal(plainRender(['render']), null);
  assert.equal(plainRender(['render', 'dhcpd', 'extra']), null);
  assert.equal(plainRender(['render', 'dhcpd', '--shell']), null);
});
