// The validated site: what every target receives. Its tables and keys are those of
// the schema (schema.ts), in camelCase, with defaults applied; the few parts below
// are what the rules in src/site/rules/ make of them. Every string in it has passed
// its StringKind check, so templates may print it as is.
import type { SchemaValues, siteSchema } from './schema';

/** site.toml's values after the schema check, keys in camelCase: what the rules start from. */
export type SiteValues = SchemaValues<typeof siteSchema>;

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

export type Host = SiteValues['host'][number] & {
  /** group name, absent for top-level [[host]] entries */
  group?: string;
  nfsroot: boolean;
};

/** A client root and how it is served ([[image]]); `default` is set on exactly one when any exist. */
export type Image = SiteValues['image'][number];

export interface Group {
  name: string;
  hosts: Host[];
}

/** One lts.conf section: [Default], [ws101] or [00:60:08:5c:cb:be]; values as lts.conf writes them (Y/N). */
export interface LtsSection {
  name: string;
  entries: [string, string][];
}

export interface Site extends Omit<SiteValues, 'network' | 'dhcp' | 'tftp' | 'http' | 'lts' | 'group' | 'host' | 'image'> {
  /**
   * the site.toml this came from: `file` as this machine reaches it (messages), `name` as the
   * configured system knows it (the headers of generated files: the same under any --root)
   */
  source: { file: string; name: string; sha256: string };
  network: Omit<SiteValues['network'], 'subnet' | 'routers' | 'extraSubnet' | 'logServers'> & {
    /** the thin-client subnet first, then [[network.extra_subnet]], each with its routers and range */
    subnets: Subnet[];
    /** default: the server */
    logServers: string[];
  };
  /** dhcp.range is in network.subnets[0] */
  dhcp: Omit<SiteValues['dhcp'], 'range'>;
  /** address default: the server */
  tftp: SiteValues['tftp'] & { address: string };
  /** kernels over HTTP for iPXE; absent when http.enabled is false (address default: the server) */
  http?: Omit<SiteValues['http'], 'enabled'> & { address: string };
  /** lts.conf sections in file order; Default first when present */
  lts: LtsSection[];
  /** [[group]] entries in file order */
  groups: Group[];
  /** every host: grouped ones in file order, then top-level [[host]] entries; `image` is the one it boots */
  hosts: Host[];
  /** [[image]] entries in file order */
  images: Image[];
}
