// Which directories may hold the TFTP tree, the NFS exports and the client
// logs, and which may not overlap. The one place for these rules: validation
// applies them to site.toml's values, loading applies them again to the real
// path of a TFTP root that exists, and the ltsp-tftpd service asks ltspcfg-ts.

export interface Finding {
  key: string;
  problem: string;
  expected: string;
}

const inside = (path: string, dir: string): boolean => path === dir || path.startsWith(dir === '/' ? '/' : dir + '/');

/** The top-level directories of the FHS and of Gentoo: never a TFTP root's first component. */
const SYSTEM_TOP = ['bin', 'boot', 'dev', 'etc', 'home', 'lib', 'lib32', 'lib64', 'libx32', 'lost+found', 'media', 'mnt', 'opt', 'proc', 'root', 'run', 'sbin', 'srv', 'sys', 'tmp', 'usr', 'var'];

/**
 * Trees that no TFTP root may lie in, whatever its name: the system itself,
 * users' homes, runtime state, queues, and ltspcfg-ts's own state and backups.
 */
const NEVER = ['/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/lib32', '/lib64', '/libx32', '/proc', '/root', '/run', '/sbin', '/sys', '/usr', '/var/run', '/var/lock', '/var/spool', '/var/mail', '/var/lib/ltsp-ts', '/var/db/pkg', '/var/log'];

export const TFTP_ROOT_RULE = 'a directory of its own: /tftpboot (a top-level directory), /srv/NAME, or any directory named for TFTP (tftpboot, tftp...) outside the system, home, /run, spool and /var/lib/ltsp-ts trees';

/**
 * The TFTP root's whole tree is handed to the TFTP user and made world-readable,
 * so it must be a directory dedicated to that (an allow-rule, not a deny-list):
 * a top-level directory that is not a system one, a directory under /srv, or a
 * directory whose own name says it is for TFTP. Null when allowed.
 */
export function tftpRootProblem(path: string): string | null {
  if (path === '/') return '/ is a system directory (the whole system)';
  const never = NEVER.find((d) => inside(path, d));
  if (never) return path === never ? `${path} is a system directory` : `${path} lies inside ${never}`;
  const parts = path.split('/').filter(Boolean);
  if (!SYSTEM_TOP.includes(parts[0])) return null; // /tftpboot, /tftproot
  if (parts[0] === 'srv' && parts.length >= 2) return null; // /srv/tftp
  if (/tftp/i.test(parts[parts.length - 1])) return null; // /var/lib/tftpboot, /opt/ltsp/tftpboot
  return parts.length === 1 ? `${path} is a system directory` : `${path} is not a directory dedicated to TFTP`;
}

/** Directories that must never be exported over NFS or receive logs: the system's own. */
const SYSTEM_DIRS = ['/', '/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/lib32', '/lib64', '/opt', '/proc', '/root', '/run', '/sbin', '/srv', '/sys', '/tmp', '/usr', '/var', '/var/lib', '/var/log', '/var/tmp', '/usr/local'];
const SYSTEM_TREES = ['/bin', '/boot', '/dev', '/etc', '/lib', '/lib32', '/lib64', '/proc', '/root', '/run', '/sbin', '/sys', '/usr/bin', '/usr/lib', '/usr/sbin', '/var/lib/ltsp-ts'];

/** An NFS export or log directory that is, or lies inside, a system directory. Null when fine. */
export function systemDirProblem(path: string): string | null {
  if (SYSTEM_DIRS.includes(path)) return `${path} is a system directory`;
  const tree = SYSTEM_TREES.find((t) => path.startsWith(t + '/'));
  return tree ? `${path} lies inside the system directory ${tree}` : null;
}

export interface SitePaths {
  tftpRoot: string;
  tftpUser: string;
  nfsRoot: string;
  swapfiles: string;
  logDir: string;
}

/** The rules on the site's directories: each on its own, then how they overlap. */
export function pathRules(p: SitePaths): Finding[] {
  const found: Finding[] = [];
  const tftp = tftpRootProblem(p.tftpRoot);
  if (tftp) found.push({ key: 'tftp.root', problem: `${tftp} (its whole tree would be given to ${p.tftpUser})`, expected: `expected ${TFTP_ROOT_RULE}` });
  for (const [key, value, like] of [
    ['nfs.root', p.nfsRoot, '/opt/ltsp/i386'],
    ['nfs.swapfiles', p.swapfiles, '/var/opt/ltsp/swapfiles'],
    ['syslog.log_dir', p.logDir, '/var/log/ltsp'],
  ] as const) {
    const danger = systemDirProblem(value);
    if (danger) found.push({ key, problem: danger, expected: `expected a directory of its own, like ${like}` });
  }
  const overlap = (a: string, b: string) => inside(a, b) || inside(b, a);
  if (overlap(p.nfsRoot, p.tftpRoot))
    found.push({ key: 'nfs.root', problem: `${p.nfsRoot} overlaps tftp.root ${p.tftpRoot}, whose whole tree is given to ${p.tftpUser}`, expected: 'expected the NFS root and the TFTP root apart' });
  if (overlap(p.swapfiles, p.nfsRoot))
    found.push({
      key: 'nfs.swapfiles',
      problem: `${p.swapfiles} overlaps nfs.root ${p.nfsRoot}: the swap files are exported read-write, the client root read-only`,
      expected: 'expected the swap files apart from the client root, like /var/opt/ltsp/swapfiles',
    });
  if (overlap(p.swapfiles, p.tftpRoot))
    found.push({ key: 'nfs.swapfiles', problem: `${p.swapfiles} overlaps tftp.root ${p.tftpRoot}: clients could read each other's swap over TFTP`, expected: 'expected the swap files apart from the TFTP root' });
  for (const [key, dir, what] of [
    ['tftp.root', p.tftpRoot, 'over TFTP'],
    ['nfs.root', p.nfsRoot, 'over NFS'],
    ['nfs.swapfiles', p.swapfiles, 'over NFS'],
  ] as const) {
    if (overlap(p.logDir, dir)) found.push({ key: 'syslog.log_dir', problem: `${p.logDir} overlaps ${key} ${dir}: clients could read the logs ${what}`, expected: 'expected a log directory of its own, like /var/log/ltsp' });
  }
  return found;
}
