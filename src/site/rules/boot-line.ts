// What a client's boot is handed, measured against what carries it
// (src/site/boot-line.ts builds it):
// - boot.serial_console with pxelinux: its SERIAL directive takes 0-3 for the
//   BIOS's COM1-COM4 and reads any other number as an I/O port address, so
//   ttyS4 and above would drive I/O port 4 and up (the DMA controller);
// - kernel_append, of the site and of a host: the kernel and the initramfs take
//   the last of a repeated parameter, so one that the generated line sets would
//   replace it (root=, nfsroot=, ip=, ltsp.root=, console=, NIC=...), and
//   pxelinux loads the first initrd= of the line as the initramfs;
// - the whole kernel command line: x86 keeps COMMAND_LINE_SIZE (2048) bytes with
//   the NUL, and its header says 2047; pxelinux (load_linux.c) and iPXE
//   (bzimage.c) take that figure with the NUL and cut the line to 2046
//   characters without a word; syslinux.efi and iPXE's EFI build hand the stub
//   the same line, iPXE's with the kernel's file name first.
import type { Reporter } from '../reporter';
import type { Host, Site } from '../types';
import { generatedParameters, hostParameters, imageBoot, kernelCommandLines, serialConsole } from '../boot-line';

/** The longest kernel command line every loader on the way passes whole. */
export const KERNEL_LINE_MAX = 2046;

/** pxelinux's SERIAL: 0-3 are the BIOS's COM1-COM4, any other number an I/O port address. */
const PXELINUX_SERIAL_PORTS = 4;

const nameOf = (param: string): string => {
  const eq = param.indexOf('=');
  return eq < 0 ? param : param.slice(0, eq);
};

/** The names of the parameters of a kernel_append value, in order. */
const namesOf = (append: string | undefined): string[] => (append ? append.split(' ').map(nameOf) : []);

/** What the generated part of a line sets, for a host (or every client): its parameters, and whether it boots an [[image]]. */
interface Generated {
  params: string[];
  image: boolean;
}
const generatedOf = (site: Site, host?: Host): Generated => ({ params: generatedParameters(site, host), image: !!imageBoot(site, host) });

/**
 * Why a parameter of kernel_append would break what the generated line sets, or null.
 * `field(name)`: the host's own key that puts the same name on the line (NIC=, IO=, MOPTS=), if it is set.
 */
function overrideProblem(generated: Generated, name: string, field: (name: string) => string | undefined): string | null {
  const set = generated.params.find((p) => nameOf(p) === name);
  if (name === 'console' && set) return `console= would take /dev/console from the serial console boot.serial_console sets (${generated.params.filter((p) => nameOf(p) === 'console').join(' ')}): the kernel writes to the last console= it is given`;
  if (set) return `${name}= would replace the ${set} the generated line sets (the kernel and the initramfs take the last one): the clients would not find their root`;
  if (name === 'initrd') return 'initrd= names the initramfs: pxelinux loads the first initrd= of the line instead of boot.initrd or the image\'s, and iPXE\'s kernel would look for a second initramfs that is not there';
  if (name === 'rdinit' && generated.image) return 'rdinit= would run another program than the generated initramfs\'s /init, which mounts the image\'s root';
  const own = field(name);
  if (own) return `${name}= would replace the ${name}= that ${own} sets`;
  return null;
}

const OVERRIDE_EXPECTED =
  'expected parameters the generated line does not set: the root comes from nfs.root or [[image]], the console from boot.serial_console, the initramfs from boot.initrd, NIC=, IO= and MOPTS= from the host\'s nic, io and mount_options';

function checkOverrides(r: Reporter, site: Site, hostPath: (i: number) => string): void {
  // what the generated part sets depends only on the image a client boots: found once per image
  const byImage = new Map<string | undefined, Generated>();
  const generated = (host?: Host) => {
    let g = byImage.get(host?.image);
    if (!g) byImage.set(host?.image, (g = generatedOf(site, host)));
    return g;
  };
  // the site's line is every client's: judged against the default boot, and against each image a host boots
  const boots = [generatedOf(site), ...site.hosts.filter((h) => h.image !== undefined).map(generated)];
  const seen = new Set<string>();
  for (const name of namesOf(site.boot.kernelAppend)) {
    for (const g of new Set(boots)) {
      const problem = overrideProblem(g, name, () => undefined);
      if (problem && !seen.has(name)) {
        seen.add(name);
        r.report('boot.kernel_append', problem, OVERRIDE_EXPECTED);
      }
    }
  }
  site.hosts.forEach((h, i) => {
    if (!h.kernelAppend) return;
    // key paths are made for a message only
    const field = (name: string) => {
      const key = name === 'NIC' ? (h.nic && 'nic') : name === 'IO' ? (h.io && 'io') : name === 'MOPTS' ? (h.mountOptions && 'mount_options') : undefined;
      return key ? `${hostPath(i)}.${key}` : undefined;
    };
    const mine = new Set<string>();
    for (const name of namesOf(h.kernelAppend)) {
      const problem = overrideProblem(generated(h), name, field);
      if (problem && !mine.has(name)) {
        mine.add(name);
        r.report(`${hostPath(i)}.kernel_append`, problem, OVERRIDE_EXPECTED);
      }
    }
  });
}

function checkLength(r: Reporter, site: Site, hostPath: (i: number) => string): void {
  const longest = (host?: Host) => kernelCommandLines(site, host).reduce((a, b) => (b.line.length > a.line.length ? b : a));
  const report = (at: string, who: string, loader: string, length: number) =>
    r.report(
      at,
      `the kernel command line of ${who} is ${length} characters long as ${loader} hands it to the kernel, and pxelinux and iPXE pass at most ${KERNEL_LINE_MAX} (they cut the rest off without a word)`,
      `expected a kernel command line of at most ${KERNEL_LINE_MAX} characters (x86's COMMAND_LINE_SIZE is 2048 with its NUL): shorten boot.kernel_append, the host's kernel_append or the paths on the line`,
    );
  const all = longest();
  if (all.line.length > KERNEL_LINE_MAX) report('boot.kernel_append', 'every client (pxelinux.cfg/default)', all.loader, all.line.length);
  // A host's line is that of its image (or every client's) with its own parameters at the end of
  // APPEND: measured as that, not built (at 20,000 hosts with parameters of their own, building
  // every line cost a tenth of the whole validation). Its image's line is built once.
  const ofImage = new Map<string | undefined, { loader: string; line: string }>();
  site.hosts.forEach((h, i) => {
    const own = hostParameters(h);
    let base = ofImage.get(h.image);
    if (!base) {
      base = longest({ ...h, nic: undefined, io: undefined, mountOptions: undefined, kernelAppend: undefined });
      ofImage.set(h.image, base);
    }
    let length = base.line.length;
    for (const p of own) length += 1 + p.length;
    if (length > KERNEL_LINE_MAX && (own.length || base.line.length !== all.line.length))
      report(h.kernelAppend ? `${hostPath(i)}.kernel_append` : `${hostPath(i)}.name`, `host ${h.name}`, base.loader, length);
  });
}

function checkSerial(r: Reporter, site: Site): void {
  const con = serialConsole(site);
  if (!con || site.boot.loader !== 'pxelinux' || con.port < PXELINUX_SERIAL_PORTS) return;
  r.report(
    'boot.serial_console',
    `ttyS${con.port} has no port number in pxelinux: its SERIAL directive takes 0-3 for the BIOS's COM1-COM4 and reads ${con.port} as I/O port address ${con.port}`,
    'expected ttyS0 to ttyS3 with boot.loader = "pxelinux" (or boot.loader = "ipxe", whose script leaves the serial port to the kernel)',
  );
}

/** The rules of what the clients' boot is handed; `hostPath(i)` is the key path of site.hosts[i]. */
export function checkBootLine(r: Reporter, site: Site, hostPath: (i: number) => string): void {
  checkSerial(r, site);
  checkOverrides(r, site, hostPath);
  checkLength(r, site, hostPath);
}
