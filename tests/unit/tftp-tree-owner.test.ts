// The TFTP tree is handed to tftp.user:tftp.group on every apply, up to date or not: an owner that
// does not exist on this system, or a root that is a symbolic link, stops apply (and its dry run)
// with one line naming it, even when the tree exists and nothing else would change. ltsp-tftpd
// relies on it: the rules live here alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashTree, ltspcfg, scratch } from '../support/cli';

function site(dir: string, user: string, group: string, root = join(dir, 'tftpboot')): string {
  const file = join(dir, 'site.toml');
  writeFileSync(file, `[server]
address = "192.0.2.1"
interface = "eth0"
[network]
subnet = "192.0.2.0/24"
[tftp]
root = "${root}"
user = "${user}"
group = "${group}"
`);
  return file;
}

test('an existing TFTP tree and an unknown tftp.user or tftp.group: apply and its dry run refuse by name, nothing changes', () => {
  const dir = scratch('ltsp-tree-owner-');
  try {
    mkdirSync(join(dir, 'tftpboot'));
    writeFileSync(join(dir, 'tftpboot', 'pxelinux.0'), 'x', { mode: 0o600 });
    const before = hashTree(join(dir, 'tftpboot'));
    for (const [user, group, unknown] of [['no-such-user-ltsp', 'root', 'user "no-such-user-ltsp"'], ['root', 'no-such-group-ltsp', 'group "no-such-group-ltsp"']]) {
      const config = site(dir, user, group);
      for (const mode of ['--dry-run', '--yes']) {
        const r = ltspcfg(['--config', config, 'apply', '--only', 'tftp-tree', mode]);
        assert.equal(r.code, 1, `${unknown} ${mode}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, new RegExp(`${unknown} does not exist on this system \\(wanted by ${join(dir, 'tftpboot')}\\); create it or change site.toml`));
        assert.doesNotMatch(r.stdout, /Nothing to do/);
      }
    }
    assert.equal(hashTree(join(dir, 'tftpboot')), before, 'the tree is untouched');
    assert.equal(statSync(join(dir, 'tftpboot', 'pxelinux.0')).mode & 0o777, 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a TFTP root that is a symbolic link: apply and its dry run refuse by name, before writing anything', () => {
  const dir = scratch('ltsp-tree-link-');
  try {
    mkdirSync(join(dir, 'tftpboot-real'));
    writeFileSync(join(dir, 'tftpboot-real', 'pxelinux.0'), 'x', { mode: 0o600 });
    symlinkSync('tftpboot-real', join(dir, 'tftpboot'));
    const before = hashTree(join(dir, 'tftpboot-real'));
    const config = site(dir, 'root', 'root');
    for (const mode of ['--dry-run', '--yes']) {
      const r = ltspcfg(['--config', config, 'apply', '--only', 'tftp-tree', mode]);
      assert.equal(r.code, 1, `${mode}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, new RegExp(`${join(dir, 'tftpboot')} is a symbolic link; name the directory it points at instead`));
      assert.doesNotMatch(r.stdout, /Nothing to (do|write)/);
    }
    assert.equal(hashTree(join(dir, 'tftpboot-real')), before, 'the tree behind the link is untouched');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
