// Path rules: which directories may hold the TFTP tree, the NFS exports and the
// logs, and which may not overlap. The rules themselves live in ../path-rules.ts,
// shared with loading (the TFTP root's real path) and, through ltspcfg-ts, the
// ltsp-tftpd service.
import type { Reporter } from '../reporter';
import type { SiteValues } from '../types';
import { pathRules } from '../path-rules';

export function checkPaths(r: Reporter, { tftp, nfs, syslog }: SiteValues): void {
  for (const f of pathRules({ tftpRoot: tftp.root, tftpUser: tftp.user, nfsRoot: nfs.root, swapfiles: nfs.swapfiles, logDir: syslog.logDir })) r.report(f.key, f.problem, f.expected);
}
