// image [NAME...]: builds each [[image]]: checks its root, squashes it (nbd),
// and puts its kernel and a generated initramfs into the TFTP root.
// image --check: are the images the site serves complete? (ltsp-nbd asks this)
import { existsSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import type { Image, Site } from '../site/types';
import { clientScripts } from '../targets/image';
import { imageBootDir } from '../site/boot-line';
import { imageFile } from '../targets/nbd-server';
import { bootFilePaths, buildSquashfs, checkRoot, closedToOthers, ImageError, makeBootFiles, stageBootFiles, verifySquashfs } from '../system/image';
import { loadSite, type Context } from './context';
import { UsageError } from '../errors';
import type { Out } from './output';

export interface ImageFlags {
  check?: boolean;
}

/** The server's own static busybox, when a root has none. */
const SERVER_BUSYBOX = ['/bin/busybox', '/usr/bin/busybox', '/bin/busybox.static'];

function select(site: Site, names: string[]): Image[] {
  if (site.images.length === 0) throw new UsageError('image: site.toml defines no [[image]]; add one with name and root (see "Client images" in the README)');
  for (const n of names)
    if (!site.images.some((img) => img.name === n)) throw new UsageError(`image: no image named "${n}"; images: ${site.images.map((img) => img.name).join(', ')}`);
  return names.length ? site.images.filter((img) => names.includes(img.name)) : site.images;
}

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
const secs = (t0: number) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

/** Problems of the built images (missing, half-built or unreadable squashfs, missing boot files); [] when all are ready. */
export function imageProblems(ctx: Context, site: Site, images: Image[]): string[] {
  const problems: string[] = [];
  for (const img of images) {
    if (img.serve === 'nbd') {
      const file = ctx.sys.path(imageFile(site, img));
      const why = verifySquashfs(file);
      if (why) problems.push(`image ${img.name}: ${file}: ${why}`);
      const closed = closedToOthers(file);
      if (closed) problems.push(`image ${img.name}: ${closed} is closed to other users, and nbd-server reads the image as nobody; make it readable by all (chmod o+r the image, o+x its directories)`);
      if (existsSync(`${file}.new`)) problems.push(`image ${img.name}: ${file}.new exists: a build is running or was interrupted`);
    }
    for (const f of ['vmlinuz', 'initrd.img']) {
      const p = ctx.sys.path(posix.join(site.tftp.root, imageBootDir(img), f));
      if (!existsSync(p)) problems.push(`image ${img.name}: ${p}: missing (run ltspcfg-ts image ${img.name})`);
    }
  }
  return problems;
}

export async function runImage(ctx: Context, out: Out, names: string[], flags: ImageFlags): Promise<number> {
  const { site } = loadSite(ctx);
  const images = select(site, names);
  if (flags.check) {
    const problems = imageProblems(ctx, site, images);
    for (const p of problems) out.error(`ltspcfg-ts: ${p}`);
    if (problems.length === 0) out.line(`${images.map((i) => i.name).join(', ')}: ready`);
    return problems.length ? 1 : 0;
  }
  // every root is checked before anything is built
  const checks = images.map((img) => checkRoot(img));
  const progress = !!process.stdout.isTTY;
  for (const [i, img] of images.entries()) {
    const check = checks[i];
    out.line(out.paint('bold', `image ${img.name}`) + ` (${img.serve}, root ${img.root}, kernel ${check.kernel.version})`);
    // the initramfs is made, and written beside the old pair, while mksquashfs runs (its compression
    // in zstd's process or node's thread pool); the pair goes in only once the squashfs is complete:
    // a new kernel never boots an old image
    const t0 = Date.now();
    const squash = img.serve === 'nbd' ? buildSquashfs(site, ctx.sys, img, { progress }) : undefined;
    if (squash) out.line(`  squashing ${img.root} (zstd) ...`);
    const made = makeBootFiles(img, check, clientScripts(site, img), SERVER_BUSYBOX, bootFilePaths(site, ctx.sys, img));
    const staged = made.then((m) => stageBootFiles(site, ctx.sys, img, m));
    // a failure of the boot files is reported after the squashfs has finished
    staged.catch(() => undefined);
    if (squash) {
      let file: string;
      try {
        file = await squash;
      } catch (e) {
        await staged.then((s) => s.discard(), () => undefined);
        throw e;
      }
      out.line(`  ${file}: ${mib(statSync(file).size)} in ${secs(t0)}${existsSync(`${file}.old`) ? ` (previous kept as ${posix.basename(file)}.old)` : ''}`);
    }
    try {
      const boot = (await staged).commit();
      if (boot.reused) {
        out.line(`  ${boot.kernel}: unchanged`);
        out.line(`  ${boot.initrd}: ${mib(boot.initrdBytes)} (${boot.compression}) unchanged: made of the same files, scripts and settings`);
      } else {
        out.line(`  ${boot.kernel}`);
        out.line(`  ${boot.initrd}: ${mib(boot.initrdBytes)} (${boot.compression}) made in ${((await made).ms / 1000).toFixed(1)} s${squash ? ', while squashing' : ''}`);
      }
    } catch (e) {
      if (e instanceof ImageError) throw e;
      throw new ImageError(`image ${img.name}: ${(e as Error).message}`);
    }
  }
  return 0;
}
