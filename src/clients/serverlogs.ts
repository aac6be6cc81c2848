// Where the server's boot daemons' lines are, by the syslog daemon the site
// runs (syslog.daemon, or the one detected), as Gentoo installs each one.
//
// dhcpd, in.tftpd, dnsmasq, rpc.mountd and nbd-server all log with facility
// daemon. The generated dhcpd.conf keeps dhcpd's default (no log-facility):
// in.tftpd's facility is fixed at daemon, so moving dhcpd to a local facility
// would only split one client's DHCP lines from its TFTP lines, and every
// default configuration below files daemon together with the rest of the
// daemons. What differs is the file, and that is read here:
//   syslog-ng (syslog-ng.conf.gentoo): every local message to /var/log/messages
//   rsyslog (50-default.conf): daemon.* to /var/log/daemon.log, kept out of messages
//   sysklogd 2.x (its syslog.conf): *.* to /var/log/syslog; messages has daemon.none
import type { SyslogDaemon } from '../site/schema';

export function serverLogs(daemon: SyslogDaemon): string[] {
  switch (daemon) {
    case 'rsyslog':
      return ['/var/log/daemon.log'];
    case 'sysklogd':
      return ['/var/log/syslog'];
    default:
      return ['/var/log/messages'];
  }
}
