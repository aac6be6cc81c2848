// Real programs the tests need but cannot install beside the rest: rsyslogd
// (Debian's rsyslog conflicts with syslog-ng-core, which the tests also use)
// and exportfs (nfs-kernel-server would install and enable an NFS server).
// Their packages are fetched with `apt-get download` and unpacked with
// `dpkg-deb -x` into a cache outside the work tree, once per machine; nothing
// is installed and no daemon is started.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface DebTool {
  /** the program inside the unpacked tree */
  bin: string;
  /** the unpacked tree */
  root: string;
  /** environment that finds the tree's own libraries */
  env: NodeJS.ProcessEnv;
}

/** The tests' cache of slow things, where the lab keeps its own (tests/lab/lib/test-cache.sh decides). */
function testCache(): string {
  const r = spawnSync('sh', ['-c', '. "$1" && printf %s "$cache"', 'sh', join(__dirname, '../lab/lib/test-cache.sh')], { encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout) throw new Error(`tests/lab/lib/test-cache.sh: no cache directory: ${r.stderr ?? r.error?.message}`);
  return r.stdout;
}

const CACHE = testCache();

function run(cmd: string, args: string[], cwd: string): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 180_000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error?.message ?? ''}` };
}

/**
 * Unpacks `packages` (the first one names the cache entry) and returns `binary`
 * inside them. Throws with apt's message when the packages cannot be fetched.
 */
export function debTool(packages: string[], binary: string): DebTool {
  mkdirSync(CACHE, { recursive: true });
  const root = join(CACHE, packages.join('+'));
  if (!existsSync(join(root, binary))) {
    const work = mkdtempSync(join(CACHE, 'fetch-'));
    try {
      let got = run('apt-get', ['download', ...packages], work);
      if (!got.ok) {
        run('apt-get', ['update', '-qq'], work);
        got = run('apt-get', ['download', ...packages], work);
      }
      if (!got.ok) throw new Error(`apt-get download ${packages.join(' ')} failed: ${got.out.trim()}`);
      const tree = join(work, 'tree');
      for (const deb of readdirSync(work).filter((f) => f.endsWith('.deb'))) {
        const x = run('dpkg-deb', ['-x', deb, tree], work);
        if (!x.ok) throw new Error(`dpkg-deb -x ${deb} failed: ${x.out.trim()}`);
      }
      // another test process may have finished first: then keep its tree
      try {
        renameSync(tree, root);
      } catch {
        if (!existsSync(join(root, binary))) throw new Error(`could not place ${tree} at ${root}`);
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  const libs = ['usr/lib', 'lib']
    .map((d) => join(root, d))
    .filter((d) => existsSync(d))
    .flatMap((d) => readdirSync(d).filter((e) => e.endsWith('-linux-gnu')).map((e) => join(d, e)));
  const env = { ...process.env, LD_LIBRARY_PATH: [...libs, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') };
  return { bin: join(root, binary), root, env };
}

/** rsyslogd with its modules and the libraries Debian's rsyslog depends on beyond the base system */
export function rsyslogd(): DebTool & { moduleDir: string } {
  const tool = debTool(['rsyslog', 'libestr0', 'libfastjson4', 'liblognorm5'], 'usr/sbin/rsyslogd');
  const parent = join(tool.root, 'usr/lib');
  const arch = readdirSync(parent).find((e) => existsSync(join(parent, e, 'rsyslog')));
  return { ...tool, moduleDir: join(parent, arch ?? '', 'rsyslog') };
}

/** exportfs of nfs-kernel-server (its libraries are nfs-common's and the base system's) */
export function exportfs(): DebTool {
  return debTool(['nfs-kernel-server'], 'usr/sbin/exportfs');
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** xdm, for answering real XDMCP queries (its libraries are the X client libraries the base test system has) */
export function xdm(): DebTool {
  return debTool(['xdm'], 'usr/bin/xdm');
}
