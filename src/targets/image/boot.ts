// What a boot entry points at for an [[image]]: the kernel and initramfs that
// `ltspcfg-ts image` puts in the TFTP root, and the kernel parameter that tells
// the generated initramfs where its root is. They are built in
// src/site/boot-line.ts, where the site rules measure the kernel line.

/** lts.conf for the clients that boot an image, fetched by TFTP at boot (absolute inside the TFTP root). */
export const LTS_CONF_TFTP = '/ltsp/lts.conf';

export { imageBootDir, imageOf, rootArgument, imageBoot, type ImageBoot } from '../../site/boot-line';
