// The xinetd launcher for in.tftpd (tftp.launcher = "xinetd"): one service file
// with the root, user, address and options ltsp-tftpd would use. Its own
// service name and file, so it never clashes with the "tftp" service that
// tftp-hpa ships (disabled) in /etc/xinetd.d/tftp.
//
// No checker: xinetd has no parse-only mode (-d runs the daemon in debug mode
// and binds every service), so the lab runs the real xinetd on this file instead.
import type { Site } from '../../site/types';
import { generatedHeader, render } from '../template';
import type { Target } from '../types';
import template from './tftp.xinetd.hbs';

/** seconds an xinetd-spawned in.tftpd waits for another request before it exits (-t) */
const XINETD_LINGER = 30;

/** in.tftpd's arguments under xinetd: the socket comes from xinetd, so no -L, -a or port. */
function xinetdArgs(site: Site): string {
  const t = site.tftp;
  const args = ['-s', t.root, '-u', t.user, '-t', String(XINETD_LINGER), '-B', String(t.blocksize)];
  if (t.dataPorts) args.push('-R', `${t.dataPorts[0]}:${t.dataPorts[1]}`);
  if (t.verbose) args.push('-v');
  return args.join(' ');
}

const unused = (site: Site) => (site.tftp.launcher === 'xinetd' ? undefined : `tftp.launcher = "${site.tftp.launcher}" (xinetd starts in.tftpd only with tftp.launcher = "xinetd")`);

export const xinetd: Target = {
  name: 'xinetd',
  summary: 'an xinetd service for in.tftpd, when tftp.launcher = "xinetd"',
  whyNoFile: unused,
  plan(site) {
    if (unused(site)) return [];
    const content = render(template, {
      header: generatedHeader('#', site).trimEnd(),
      user: site.tftp.user,
      linger: XINETD_LINGER,
      port: site.tftp.port,
      address: site.tftp.address,
      args: xinetdArgs(site),
    });
    return [{ kind: 'file', path: '/etc/xinetd.d/ltsp-tftp', content, mode: 0o644 }];
  },
  notes(site) {
    if (unused(site)) return [];
    return [
      'xinetd starts in.tftpd from /etc/xinetd.d/ltsp-tftp: `rc-update add xinetd default && rc-service xinetd reload`; leave ltsp-tftpd out of the runlevels',
      'xinetd does not fix the TFTP tree: after adding files to it run `ltspcfg-ts apply --only tftp-tree`',
    ];
  },
};
