// The validated site: what every target receives. Every string in it has passed
// its StringKind check in validate.ts, so templates may print it as is.
import type { DhcpMode, ImageServe } from './schema';

export interface Subnet {
  /** network address, e.g. 192.168.0.0 */
  network: string;
  prefix: number;
  netmask: string;
  broadcast: string;
  /** "192.168.0.0/24" */
  cidr: string;
  routers: string[];
  /** dynamic range, absent for fixed hosts only */
  range?: [string, string];
}

export interface Host {
  name: string;
  /** lower case, colon separated */
  mac: string;
  /** group name, absent for top-level [[host]] entries */
  group?: string;
  address?: string;
  dhcpPort?: number;
  nic?: string;
  io?: string;
  mountOptions?: string;
  nfsroot: boolean;
  filename?: string;
  kernelAppend?: string;
  /** the image this host boots (its own, its group's or the default); absent without [[image]] */
  image?: string;
}

/** A client root and how it is served ([[image]]). */
export interface Image {
  name: string;
  root: string;
  serve: ImageServe;
  default: boolean;
}

export interface Group {
  name: string;
  hosts: Host[];
}

export interface Site {
  /** the site.toml this came from, for messages and the state file */
  source: { file: string; sha256: string };
  server: { address: string; interface: string; hostname: string };
  network: {
    /** the thin-client subnet first, then [[network.extra_subnet]] */
    subnets: Subnet[];
    dns: string[];
    domain?: string;
    ntp: string[];
    logServers: string[];
  };
  dhcp: {
    mode: DhcpMode;
    port: number;
    bootUnknownClients: boolean;
    defaultLeaseTime: number;
    maxLeaseTime: number;
    dnsmasqDns: boolean;
  };
  boot: {
    pxeFilename: string;
    etherbootFile: string;
    kernel: string;
    initrd?: string;
    kernelAppend: string;
    serialConsole?: string;
    menuLabel: string;
    timeout: number;
  };
  tftp: {
    root: string;
    user: string;
    group: string;
    address: string;
    port: number;
    launcher: 'ltsp-tftpd' | 'xinetd';
    blocksize: number;
    dataPorts?: [number, number];
    verbose: boolean;
  };
  nfs: { root: string; swapfiles: string; mountdPort: number };
  /** lts.conf sections in file order; Default first when present */
  lts: { name: string; entries: [string, string][] }[];
  syslog: { daemon: 'auto' | 'syslog-ng' | 'rsyslog' | 'sysklogd'; udpPort: number; tcpPort: number; logDir: string };
  xdmcp: { enabled: boolean; displayManager: 'auto' | 'gdm' | 'lightdm' | 'xdm'; port: number };
  firewall: { enabled: boolean; backend: 'nftables' | 'iptables' };
  /** [[image]] entries in file order; exactly one has default = true when any exist */
  images: Image[];
  nbd: { port: number; dir: string };
  /** [[group]] entries in file order, then one unnamed group for top-level [[host]] entries is NOT made: see `hosts` */
  groups: Group[];
  /** every host: grouped ones in file order, then top-level [[host]] entries */
  hosts: Host[];
}
