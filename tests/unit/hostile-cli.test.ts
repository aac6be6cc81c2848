// The command line against odd options and odd outputs: --root that is not a
// directory (each case named as what it is), an empty --root (an unset shell
// variable must not mean the current directory), and a reader of stdout that
// goes away before the end (the command still finishes, with its own exit code).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, REPO, hashTree, ltspcfg, scratch, type Run } from '../support/cli';

const env = { LTSPCFG_CODE_CACHE: 'off' };

function assertUsage(r: Run, message: string): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `ltspcfg-ts: ${message}\n`);
}

test('--root that is not a directory says what it is', () => {
  const dir = scratch();
  writeFileSync(join(dir, 'file'), 'x\n');
  symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
  symlinkSync('loop', join(dir, 'loop'));
  const expected = 'expected an existing directory to stage the system in';
  for (const args of [['status'], ['apply', '--yes'], ['get', 'tftp.root'], ['render', 'dhcpd'], ['--yes']]) {
    assertUsage(ltspcfg(['--root', join(dir, 'file'), ...args], { env }), `--root ${dir}/file: it is a regular file, not a directory; ${expected}`);
    assertUsage(ltspcfg(['--root', join(dir, 'file/sub'), ...args], { env }), `--root ${dir}/file/sub: ${dir}/file is a regular file, not a directory; ${expected}`);
    assertUsage(ltspcfg(['--root', join(dir, 'dangling'), ...args], { env }), `--root ${dir}/dangling: it is a symbolic link to ${dir}/nowhere, which does not exist; ${expected}`);
    assertUsage(ltspcfg(['--root', join(dir, 'missing'), ...args], { env }), `--root ${dir}/missing: no such directory; ${expected}`);
    assertUsage(ltspcfg(['--root', join(dir, 'loop'), ...args], { env }), `--root ${dir}/loop: too many symbolic links; ${expected}`);
    assertUsage(ltspcfg(['--root', '/dev/null', ...args], { env }), `--root /dev/null: it is a character device, not a directory; ${expected}`);
  }
});

test('an empty --root is refused, not taken for the current directory', () => {
  const cwd = scratch();
  mkdirSync(join(cwd, 'etc/ltsp'), { recursive: true });
  copyFileSync(join(REPO, 'examples/wiki-sample.toml'), join(cwd, 'etc/ltsp/site.toml'));
  const before = hashTree(cwd);
  for (const args of [['apply', '--yes', '--no-check'], ['--yes'], ['get', 'tftp.root'], ['render', 'dhcpd'], ['apply', '--yes', '--only', 'dhcpd']]) {
    for (const root of [['--root', ''], ['--root='], ['-r', '']]) {
      const r = ltspcfg([...root, ...args], { env, cwd });
      assertUsage(r, '--root "": it is empty; expected an existing directory to stage the system in');
    }
  }
  assert.equal(hashTree(cwd), before, 'nothing was written in the current directory');
});

/** Runs the CLI with a stdout whose reader is gone before the first write; resolves with its exit code and stderr. */
function withoutReader(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    // our end of the pipe closed at once: every write of the child meets EPIPE
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

test('a reader of stdout that goes away ends the output, not the command: apply still writes, exit codes stay true', async () => {
  const root = scratch();
  mkdirSync(join(root, 'etc/ltsp'), { recursive: true });
  const site = join(root, 'etc/ltsp/site.toml');
  copyFileSync(join(REPO, 'examples/wiki-sample.toml'), site);
  // status of a staged root finds problems (nothing installed): exit 1, not 0
  const status = await withoutReader(['--root', root, 'status']);
  assert.deepEqual(status, { code: 1, stderr: '' });
  for (const args of [['apply', '--yes', '--no-check'], ['apply', '--yes', '--no-check', '--diff']]) {
    writeFileSync(site, readFileSync(join(REPO, 'examples/wiki-sample.toml'), 'utf8').replace(/ws101/g, `ws${args.length}`));
    const apply = await withoutReader(['--root', root, ...args]);
    assert.deepEqual(apply, { code: 0, stderr: '' }, args.join(' '));
    const after = ltspcfg(['--root', root, 'apply', '--no-check', '--dry-run'], { env });
    assert.doesNotMatch(after.stdout, /^\s+(create|update|remove)\s/m, `${args.join(' ')} wrote everything it planned`);
    assert.match(after.stdout, /Nothing to (do|write)/);
    assert.match(readFileSync(join(root, 'etc/dhcp/dhcpd.1067.conf'), 'utf8'), new RegExp(`host ws${args.length} `));
  }
  // a refused apply keeps its exit code too
  writeFileSync(join(root, 'etc/dhcp/dhcpd.1067.conf'), 'edited by hand\n');
  writeFileSync(site, readFileSync(join(REPO, 'examples/wiki-sample.toml'), 'utf8'));
  const refused = await withoutReader(['--root', root, 'apply', '--yes', '--no-check']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /changed by hand; nothing was written/);
});
