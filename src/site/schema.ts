// The one description of site.toml: every table, every key, its type and default.
// The loader validates against it, `get` reads through it, the man page and shell
// completion list its keys, and the type of the validated site is derived from it
// (SchemaValues below, Site in types.ts). Cross-key rules live in src/site/rules/.

type Scalar = 'string' | 'integer' | 'boolean';

/** How a string value is checked and normalised before it can reach a template. */
export type StringKind =
  | 'ipv4'
  | 'cidr'
  | 'mac'
  | 'hostname' // RFC 1123 label or dotted name
  | 'label' // one hostname label: group and host names
  | 'domain'
  | 'path' // absolute, normalised
  | 'boot-path' // a path inside the TFTP root, absolute from its top
  | 'word' // [A-Za-z0-9._-]: user, group, NIC module names
  | 'interface' // a word of at most 15 characters: a Linux network interface name
  | 'mount-options' // nolock,ro,wsize=2048
  | 'kernel-args' // space separated kernel parameters
  | 'text' // printable text without quotes, braces, semicolons, backslashes
  | 'menu-label' // text that an iPXE command line also reads as one title
  | 'hex' // 0x300
  | 'serial' // ttyS0,115200
  | 'port'; // an integer 1-65535 (array items only)

export interface KeySpec {
  type: Scalar | 'array' | 'enum';
  of?: StringKind; // for strings and arrays of strings
  values?: readonly string[]; // for enum
  min?: number;
  max?: number;
  length?: number; // exact array length
  required?: boolean;
  default?: unknown; // undefined: absent unless given
  doc: string;
}

export interface TableSpec {
  doc: string;
  keys: Record<string, KeySpec>;
  /** Free-form keys allowed (lts.conf sections): each checked against this spec. */
  anyKey?: KeySpec;
  /** Sub-tables, each a table of its own. */
  tables?: Record<string, TableSpec>;
  /** Arrays of tables ([[group]], [[group.host]]). */
  arrays?: Record<string, TableSpec>;
  /** Free-form sub-tables ([lts.Default], [lts.ws101]). */
  anyTable?: TableSpec;
}

export const DHCP_MODES = ['primary', 'port-1067', 'nfsroot', 'proxy', 'none'] as const;
export type DhcpMode = (typeof DHCP_MODES)[number];
export const IMAGE_SERVE = ['nbd', 'nfs'] as const;
export type ImageServe = (typeof IMAGE_SERVE)[number];
/** The syslog daemons ltspcfg-ts configures (syslog.daemon: one of them, or "auto"). */
export const SYSLOG_DAEMONS = ['syslog-ng', 'rsyslog', 'sysklogd'] as const;
export type SyslogDaemon = (typeof SYSLOG_DAEMONS)[number];
/** The display managers ltspcfg-ts enables XDMCP in (xdmcp.display_manager: one of them, or "auto"). */
export const DISPLAY_MANAGERS = ['gdm', 'lightdm', 'xdm'] as const;
export type DisplayManager = (typeof DISPLAY_MANAGERS)[number];
const BOOT_LOADERS = ['pxelinux', 'ipxe'] as const;
export type BootLoader = (typeof BOOT_LOADERS)[number];

const hostSpec = {
  doc: 'A thin client, known by its MAC address.',
  keys: {
    name: { type: 'string', of: 'label', required: true, doc: 'host name (a DNS label), also the dhcpd host declaration' },
    mac: { type: 'string', of: 'mac', required: true, doc: 'Ethernet address, e.g. 00:60:08:5c:cb:be' },
    address: { type: 'string', of: 'ipv4', doc: 'fixed address; outside dhcp.range' },
    dhcp_port: { type: 'integer', min: 1, max: 65535, doc: 'DHCP port of an Etherboot ROM built for alternate ports (DPORT=)' },
    nic: { type: 'string', of: 'word', doc: 'kernel module of the NIC the client kernel loads (NIC=)' },
    io: { type: 'string', of: 'hex', doc: 'I/O port of an ISA NIC (IO=)' },
    mount_options: { type: 'string', of: 'mount-options', doc: 'NFS mount options of the client root (MOPTS=)' },
    nfsroot: { type: 'boolean', doc: 'pass nfsroot= in option 129, for when another DHCP server wins the kernel request' },
    filename: { type: 'string', of: 'boot-path', doc: 'boot file for this host instead of the default' },
    kernel_append: { type: 'string', of: 'kernel-args', doc: 'extra kernel parameters for this host' },
    image: { type: 'string', of: 'label', doc: 'the [[image]] this host boots (default: its group\'s, else the default image)' },
  },
} as const satisfies TableSpec;

const imageSpec = {
  doc: 'A client root the thin clients boot: `ltspcfg-ts image` builds its kernel, initramfs and (nbd) squashfs.',
  keys: {
    name: { type: 'string', of: 'label', required: true, doc: 'image name: hosts choose it, and it names its files' },
    root: { type: 'string', of: 'path', required: true, doc: 'the client root directory (a stage3 with emerge --root, or any distribution\'s root)' },
    serve: { type: 'enum', values: IMAGE_SERVE, default: 'nbd', doc: 'nbd (a read-only squashfs of the root, by ltsp-nbd) | nfs (the directory, exported read-only)' },
    default: { type: 'boolean', default: false, doc: 'boot this image when a host or group names none (default: the first image)' },
  },
} as const satisfies TableSpec;

const nbdSpec = {
  doc: 'Serving squashfs images over NBD (the ltsp-nbd service).',
  keys: {
    port: { type: 'integer', min: 1, max: 65535, default: 10809, doc: 'TCP port of nbd-server' },
    dir: { type: 'string', of: 'path', default: '/var/lib/ltsp/images', doc: 'where `ltspcfg-ts image` puts <name>.img (and <name>.img.old)' },
  },
} as const satisfies TableSpec;

export const siteSchema = {
  doc: 'site.toml',
  keys: {},
  tables: {
    server: {
      doc: 'The LTSP server itself.',
      keys: {
        address: { type: 'string', of: 'ipv4', required: true, doc: 'address of the server on the thin-client network' },
        interface: { type: 'string', of: 'interface', required: true, doc: 'network interface facing the thin clients' },
        hostname: { type: 'string', of: 'label', default: 'ltsp-server', doc: 'name of the server in the hosts block' },
      },
    },
    network: {
      doc: 'The thin-client network.',
      keys: {
        subnet: { type: 'string', of: 'cidr', required: true, doc: 'thin-client subnet, e.g. 192.168.0.0/24' },
        routers: { type: 'array', of: 'ipv4', default: [], doc: 'default gateways' },
        dns: { type: 'array', of: 'ipv4', default: [], doc: 'DNS servers' },
        domain: { type: 'string', of: 'domain', doc: 'domain name for the thin clients' },
        ntp: { type: 'array', of: 'ipv4', default: [], doc: 'NTP servers' },
        log_servers: { type: 'array', of: 'ipv4', doc: 'syslog servers (default: the server)' },
      },
      arrays: {
        extra_subnet: {
          doc: 'Another subnet on the same wire (dhcpd shared-network).',
          keys: {
            subnet: { type: 'string', of: 'cidr', required: true, doc: 'the subnet' },
            routers: { type: 'array', of: 'ipv4', default: [], doc: 'its gateways' },
            range: { type: 'array', of: 'ipv4', length: 2, doc: 'its dynamic range [first, last]' },
          },
        },
      },
    },
    dhcp: {
      doc: 'How thin clients get their boot information.',
      keys: {
        mode: { type: 'enum', values: DHCP_MODES, default: 'port-1067', doc: 'primary | port-1067 | nfsroot | proxy | none' },
        port: { type: 'integer', min: 1, max: 65534, default: 1067, doc: 'port of the second dhcpd (it replies on port+1)' },
        range: { type: 'array', of: 'ipv4', length: 2, doc: 'dynamic range [first, last]; absent: fixed hosts only' },
        boot_unknown_clients: { type: 'boolean', default: false, doc: 'let machines not listed here boot' },
        default_lease_time: { type: 'integer', min: 60, max: 31536000, default: 28800, doc: 'seconds' },
        max_lease_time: { type: 'integer', min: 60, max: 31536000, default: 86400, doc: 'seconds' },
        dnsmasq_dns: { type: 'boolean', default: false, doc: 'proxy mode: let dnsmasq serve DNS too (default: port=0)' },
      },
    },
    boot: {
      doc: 'What the clients boot.',
      keys: {
        pxe_filename: { type: 'string', of: 'boot-path', default: '/pxelinux.0', doc: 'bootloader for PXE ROMs, inside the TFTP root' },
        etherboot_file: { type: 'string', of: 'boot-path', default: '/lts/vmlinuz', doc: 'kernel image for Etherboot ROMs, inside the TFTP root' },
        kernel: { type: 'string', of: 'boot-path', default: '/lts/vmlinuz', doc: 'kernel pxelinux loads, inside the TFTP root' },
        initrd: { type: 'string', of: 'boot-path', doc: 'initramfs pxelinux loads, inside the TFTP root' },
        kernel_append: { type: 'string', of: 'kernel-args', default: '', doc: 'extra kernel parameters for every client, none the generated line sets (root=, nfsroot=, ip=, ltsp.root=, initrd=; console= with serial_console; rdinit= for a client booting an [[image]]); the whole line at most 2046 characters' },
        serial_console: { type: 'string', of: 'serial', doc: 'serial console, e.g. ttyS0,115200 (ttyS0-ttyS3 with pxelinux, whose SERIAL knows COM1-COM4 only)' },
        menu_label: { type: 'string', of: 'menu-label', default: 'LTSP thin client', doc: 'boot menu label (pxelinux, iPXE, dnsmasq\'s PXE menu)' },
        timeout: { type: 'integer', min: 0, max: 36000, default: 30, doc: 'pxelinux timeout, tenths of a second' },
        loader: { type: 'enum', values: BOOT_LOADERS, default: 'pxelinux', doc: 'pxelinux (pxelinux.0, syslinux.efi) | ipxe (undionly.kpxe, ipxe.efi and a generated iPXE script)' },
        uefi: { type: 'boolean', default: true, doc: 'also boot UEFI clients (option 93 = 7 or 9) with the loader\'s UEFI build' },
      },
    },
    http: {
      doc: 'Kernels and initramfs over HTTP for iPXE (boot.loader = "ipxe"): lighttpd serving the TFTP root read-only.',
      keys: {
        enabled: { type: 'boolean', default: false, doc: 'serve the boot files over HTTP too (the ltsp-httpd service)' },
        address: { type: 'string', of: 'ipv4', doc: 'listen address (default: server.address)' },
        port: { type: 'integer', min: 1, max: 65535, default: 80, doc: 'listen port (TCP)' },
        user: { type: 'string', of: 'word', default: 'lighttpd', doc: 'user lighttpd runs as (it only reads the tree)' },
        group: { type: 'string', of: 'word', default: 'lighttpd', doc: 'group lighttpd runs as' },
      },
    },
    tftp: {
      doc: 'The TFTP server.',
      keys: {
        root: { type: 'string', of: 'path', default: '/tftpboot', doc: 'TFTP root (in.tftpd chroots here)' },
        user: { type: 'string', of: 'word', default: 'nobody', doc: 'user in.tftpd runs as and owner of the tree' },
        group: { type: 'string', of: 'word', default: 'nobody', doc: 'group owning the tree' },
        address: { type: 'string', of: 'ipv4', doc: 'listen address (default: server.address)' },
        port: { type: 'integer', min: 1, max: 65535, default: 69, doc: 'listen port' },
        launcher: { type: 'enum', values: ['ltsp-tftpd', 'xinetd'], default: 'ltsp-tftpd', doc: 'ltsp-tftpd | xinetd' },
        blocksize: { type: 'integer', min: 512, max: 65464, default: 1468, doc: 'largest block size offered (-B)' },
        data_ports: { type: 'array', of: 'port', length: 2, doc: 'UDP port range for transfers [first, last] (-R)' },
        verbose: { type: 'boolean', default: false, doc: 'log every request (-v)' },
      },
    },
    nfs: {
      doc: 'The clients\' root over NFS.',
      keys: {
        root: { type: 'string', of: 'path', default: '/opt/ltsp/i386', doc: 'client root filesystem, exported read-only' },
        swapfiles: { type: 'string', of: 'path', default: '/var/opt/ltsp/swapfiles', doc: 'swap files, exported read-write' },
        mountd_port: { type: 'integer', min: 1, max: 65535, default: 32767, doc: 'fixed port for rpc.mountd (firewall)' },
      },
    },
    lts: {
      doc: 'lts.conf, section by section: [lts.Default], [lts.<host name or MAC>].',
      keys: {},
      anyTable: {
        doc: 'An lts.conf section.',
        keys: {},
        anyKey: { type: 'string', of: 'text', doc: 'an lts.conf key (UPPER_CASE) and its value' },
      },
    },
    syslog: {
      doc: 'Receiving the clients\' logs.',
      keys: {
        daemon: { type: 'enum', values: ['auto', ...SYSLOG_DAEMONS], default: 'auto', doc: 'auto | syslog-ng | rsyslog | sysklogd' },
        udp_port: { type: 'integer', min: 0, max: 65535, default: 514, doc: 'UDP port (0: off)' },
        tcp_port: { type: 'integer', min: 0, max: 65535, default: 5140, doc: 'TCP port (0: off)' },
        log_dir: { type: 'string', of: 'path', default: '/var/log/ltsp', doc: 'one log file per client here' },
      },
    },
    xdmcp: {
      doc: 'X desktops for the clients.',
      keys: {
        enabled: { type: 'boolean', default: true, doc: 'enable XDMCP in the display manager' },
        display_manager: { type: 'enum', values: ['auto', ...DISPLAY_MANAGERS], default: 'auto', doc: 'auto (from /etc/conf.d/display-manager) | gdm | lightdm | xdm' },
        port: { type: 'integer', min: 1, max: 65535, default: 177, doc: 'XDMCP port' },
      },
    },
    nbd: nbdSpec,
    firewall: {
      doc: 'Opening the server to the thin clients.',
      keys: {
        enabled: { type: 'boolean', default: false, doc: 'write firewall rules' },
        backend: { type: 'enum', values: ['nftables', 'iptables'], default: 'nftables', doc: 'nftables | iptables' },
      },
    },
  },
  arrays: {
    group: {
      doc: 'A group of hosts (a dhcpd group).',
      keys: {
        name: { type: 'string', of: 'label', required: true, doc: 'group name' },
        image: { type: 'string', of: 'label', doc: 'the [[image]] the hosts of this group boot' },
      },
      arrays: { host: hostSpec },
    },
    host: hostSpec,
    image: imageSpec,
  },
} as const satisfies TableSpec;

// The type of a table's values once checked, with keys in camelCase (pxe_filename ->
// pxeFilename): a key that is required or has a default is always there.

type Camel<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<Camel<Tail>>}` : S;

type ValueOf<K extends KeySpec> = K['type'] extends 'boolean'
  ? boolean
  : K['type'] extends 'integer'
    ? number
    : K extends { type: 'enum'; values: readonly (infer V)[] }
      ? V
      : K['type'] extends 'string'
        ? string
        : K extends { of: 'port' }
          ? K extends { length: 2 } ? [number, number] : number[]
          : K extends { length: 2 } ? [string, string] : string[];

type Always<K> = K extends { required: true } ? true : K extends { default: unknown } ? true : false;

type KeysValues<Keys extends Record<string, KeySpec>> = {
  -readonly [k in keyof Keys as Always<Keys[k]> extends true ? Camel<k & string> : never]: ValueOf<Keys[k]>;
} & {
  -readonly [k in keyof Keys as Always<Keys[k]> extends true ? never : Camel<k & string>]?: ValueOf<Keys[k]>;
};

type TablesValues<Tables> = { -readonly [k in keyof Tables as Camel<k & string>]: Tables[k] extends TableSpec ? SchemaValues<Tables[k]> : never };
type ArraysValues<Arrays> = { -readonly [k in keyof Arrays as Camel<k & string>]: Arrays[k] extends TableSpec ? SchemaValues<Arrays[k]>[] : never };

/** Free-form sub-tables ([lts.Default]) keep their keys and raw values: their owner checks them. */
type FreeTables<T extends TableSpec> = T extends { anyTable: TableSpec } ? Record<string, Record<string, unknown>> : unknown;

export type SchemaValues<T extends TableSpec> = KeysValues<T['keys']> & TablesValues<T['tables']> & ArraysValues<T['arrays']> & FreeTables<T>;
