// Every target, in the order apply plans and prints them. Adding a generated
// file family means adding its module here and nothing else.
import type { Target } from './types';
import { ltsConf } from './lts-conf';
import { hosts } from './hosts';
import { tftpTree } from './tftp-tree';
import { pxelinux } from './pxelinux';
import { xinetd } from './xinetd';
import { dhcpd } from './dhcpd';
import { dnsmasq } from './dnsmasq';
import { exportsTarget } from './exports';
import { syslog } from './syslog';
import { xdmcp } from './xdmcp';
import { firewall } from './firewall';
import { hostsAllow } from './hosts-allow';
import { nbdServer } from './nbd-server';

export const targets: Target[] = [ltsConf, hosts, tftpTree, pxelinux, xinetd, dhcpd, dnsmasq, exportsTarget, nbdServer, syslog, xdmcp, firewall, hostsAllow];

export function findTarget(name: string): Target | undefined {
  return targets.find((t) => t.name === name);
}
