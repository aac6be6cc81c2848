// Every target, in the order apply plans and prints them. Adding a generated
// file family means adding its module here and nothing else.
import type { Target } from './types';
import { unknownName } from '../errors';
import { ltsConf } from './lts-conf';
import { hosts } from './hosts';
import { tftpTree } from './tftp-tree';
import { pxelinux } from './pxelinux';
import { ipxe } from './ipxe';
import { httpd } from './httpd';
import { xinetd } from './xinetd';
import { dhcpd } from './dhcpd';
import { dnsmasq } from './dnsmasq';
import { exportsTarget } from './exports';
import { syslog } from './syslog';
import { xdmcp } from './xdmcp';
import { firewall } from './firewall';
import { hostsAllow } from './hosts-allow';
import { nbdServer } from './nbd-server';

export const targets: Target[] = [ltsConf, hosts, tftpTree, pxelinux, ipxe, httpd, xinetd, dhcpd, dnsmasq, exportsTarget, nbdServer, syslog, xdmcp, firewall, hostsAllow];

/** The target of that name; an unknown name is a usage error of `where` (render, --only). */
export function findTarget(name: string, where = 'ltspcfg-ts'): Target {
  const target = targets.find((t) => t.name === name);
  if (!target) throw unknownName(where, 'target', name, targets.map((t) => t.name));
  return target;
}
