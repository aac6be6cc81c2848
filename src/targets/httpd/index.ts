// lighttpd's configuration for the ltsp-httpd service (http.enabled = true):
// /etc/ltsp/ltsp-httpd.conf. Kernels over HTTP reach an iPXE client about
// five times faster than over TFTP. lighttpd (www-servers/lighttpd) is small,
// in Gentoo and Debian alike, has a syntax checker (-t), drops its privileges
// itself and serves static files only unless told otherwise. The service
// (init.d/ltsp-httpd) checks the root like ltsp-tftpd does and runs
// `lighttpd -D -f` on this file under supervise-daemon.
import type { Site } from '../../site/types';
import { generatedHeader, render } from '../template';
import type { Checker, PlannedItem, Target } from '../types';
import template from './lighttpd.conf.hbs';

const HTTPD_CONF = '/etc/ltsp/ltsp-httpd.conf';

/** -t parses the file only: no socket, no user lookup, no pid file. */
export const lighttpdChecker: Checker = { program: 'lighttpd', args: ['-t', '-f', '{}'], label: 'lighttpd -t' };

function renderLighttpdConf(site: Site): string {
  const http = site.http;
  if (!http) throw new Error('http.enabled is false: no HTTP server');
  return render(template, {
    header: generatedHeader('#', site).trimEnd(),
    path: HTTPD_CONF,
    root: site.tftp.root,
    address: http.address,
    port: http.port,
    user: http.user,
    group: http.group,
  });
}

export const httpd: Target = {
  name: 'httpd',
  summary: 'lighttpd serving the boot tree read-only to iPXE: /etc/ltsp/ltsp-httpd.conf (http.enabled = true)',
  whyNoFile: (site) => (site.http ? undefined : 'http.enabled = false'),
  plan(site): PlannedItem[] {
    if (!site.http) return [];
    return [{ kind: 'file', path: HTTPD_CONF, content: renderLighttpdConf(site), mode: 0o644, checker: lighttpdChecker }];
  },
  notes(site) {
    if (!site.http) return [];
    return ['kernels over HTTP: `rc-update add ltsp-httpd default && rc-service ltsp-httpd start` (www-servers/lighttpd serves the TFTP root read-only)'];
  },
};
