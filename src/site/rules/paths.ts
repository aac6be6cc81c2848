// Path rules: a TFTP root is handed to an unprivileged user and an NFS root is
// exported, so neither may be a system directory, and they must stay apart.
import type { Reporter } from '../reporter';
import type { SiteValues } from '../types';

/** Paths that must never become a TFTP or NFS root: the tree under it is handed to another user or exported. */
const SYSTEM_DIRS = ['/', '/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/lib32', '/lib64', '/opt', '/proc', '/root', '/run', '/sbin', '/srv', '/sys', '/tmp', '/usr', '/var', '/var/lib', '/var/tmp', '/usr/local'];
const SYSTEM_TREES = ['/bin', '/boot', '/dev', '/etc', '/lib', '/lib32', '/lib64', '/proc', '/root', '/sbin', '/sys', '/usr/bin', '/usr/lib', '/usr/sbin'];

export function dangerousRoot(path: string): string | null {
  if (SYSTEM_DIRS.includes(path)) return `${path} is a system directory`;
  const tree = SYSTEM_TREES.find((t) => path.startsWith(t + '/'));
  return tree ? `${path} lies inside the system directory ${tree}` : null;
}

export function checkPaths(r: Reporter, { tftp, nfs }: SiteValues): void {
  for (const [key, value] of [['tftp.root', tftp.root], ['nfs.root', nfs.root], ['nfs.swapfiles', nfs.swapfiles]] as const) {
    const danger = dangerousRoot(value);
    if (danger) r.report(key, danger, 'expected a directory of its own, like /tftpboot or /opt/ltsp/i386');
  }
  const inside = (a: string, b: string) => a === b || a.startsWith(b + '/');
  if (inside(nfs.root, tftp.root) || inside(tftp.root, nfs.root))
    r.report('nfs.root', `${nfs.root} overlaps tftp.root ${tftp.root}, whose whole tree is given to ${tftp.user}`, 'expected the NFS root and the TFTP root apart');
}
