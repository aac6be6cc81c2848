// nbd-server's configuration (/etc/ltsp/nbd-server.conf), which the ltsp-nbd
// service renders at every start: the server's address and nbd.port, one
// read-only export per image served over NBD. nbd-server drops to nobody
// after binding; the images are world-readable.
import { posix } from 'node:path';
import type { Image, Site } from '../../site/types';
import { generatedHeader, render } from '../template';
import type { Target } from '../types';
import template from './nbd-server.conf.hbs';

export const NBD_CONF = '/etc/ltsp/nbd-server.conf';

/** The squashfs of an image, as `ltspcfg-ts image` writes it and nbd-server exports it. */
export function imageFile(site: Site, image: Image): string {
  return posix.join(site.nbd.dir, `${image.name}.img`);
}

export function nbdImages(site: Site): Image[] {
  return site.images.filter((img) => img.serve === 'nbd');
}

export const nbdServer: Target = {
  name: 'nbd-server',
  summary: 'nbd-server.conf for ltsp-nbd: the [[image]] squashfs files, read-only, on the server address',
  whyNoFile: (site) => (nbdImages(site).length === 0 ? 'no [[image]] with serve = "nbd"' : undefined),
  plan(site, platform) {
    const images = nbdImages(site);
    if (images.length === 0) return [];
    const content = render(template, {
      header: generatedHeader('#', site).trimEnd(),
      user: 'nobody',
      group: platform.gentoo ? 'nobody' : 'nogroup',
      address: site.server.address,
      port: site.nbd.port,
      exports: images.map((img) => ({ name: img.name, file: imageFile(site, img) })),
    });
    return [
      { kind: 'file', path: NBD_CONF, content, mode: 0o644 },
      { kind: 'dir', path: site.nbd.dir, mode: 0o755 },
    ];
  },
};
