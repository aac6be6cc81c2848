// Where the clients that boot an [[image]] fetch lts.conf. Their kernel, initramfs
// and root parameter are built in src/site/boot-line.ts, where the site rules
// measure the kernel line.

/** lts.conf for the clients that boot an image, fetched by TFTP at boot (absolute inside the TFTP root). */
export const LTS_CONF_TFTP = '/ltsp/lts.conf';

