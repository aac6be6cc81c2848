// What a boot entry points at for an [[image]]: the kernel and initramfs that
// `ltspcfg-ts image` puts in the TFTP root, and the kernel parameter that tells
// the generated initramfs where its root is.
import { posix } from 'node:path';
import type { Host, Image, Site } from '../../site/types';

/** The directory of an image's boot files, absolute inside the TFTP root. */
export function imageBootDir(image: Image): string {
  return `/ltsp/${image.name}`;
}

/** lts.conf for the clients that boot an image, fetched by TFTP at boot (absolute inside the TFTP root). */
export const LTS_CONF_TFTP = '/ltsp/lts.conf';

/** The image a host boots (the default image without a host); undefined without [[image]]. */
export function imageOf(site: Site, host?: Host): Image | undefined {
  const name = host?.image;
  return site.images.find((img) => img.name === name) ?? site.images.find((img) => img.default);
}

/** ltsp.root=nbd:SERVER:PORT:EXPORT or ltsp.root=nfs:SERVER:/PATH */
export function rootArgument(site: Site, image: Image): string {
  const server = site.server.address;
  return image.serve === 'nbd' ? `ltsp.root=nbd:${server}:${site.nbd.port}:${image.name}` : `ltsp.root=nfs:${server}:${image.root}`;
}

export interface ImageBoot {
  kernel: string;
  initrd: string;
  /** kernel parameters before the site's and the host's own */
  append: string[];
}

export function imageBoot(site: Site, host?: Host): ImageBoot | undefined {
  const image = imageOf(site, host);
  if (!image) return undefined;
  const dir = imageBootDir(image);
  return { kernel: posix.join(dir, 'vmlinuz'), initrd: posix.join(dir, 'initrd.img'), append: [rootArgument(site, image)] };
}
