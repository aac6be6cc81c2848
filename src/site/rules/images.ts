// Image rules: [[image]] names once, at most one default (else the first),
// roots that are not system directories, and which image each host boots:
// its own, its group's, else the default one.
import type { Reporter } from '../reporter';
import type { Host, Image, SiteValues } from '../types';
import { systemDirProblem } from '../path-rules';

/** nbd-server.conf's section of the server's own settings */
const NBD_GENERIC = 'generic';

/** The images, the default one marked; sets `image` on every host. `hosts` in checkHosts' order. */
export function checkImages(r: Reporter, v: SiteValues, hosts: Host[]): Image[] {
  const images: Image[] = v.image.map((img) => ({ ...img }));
  const seen = new Map<string, number>();
  images.forEach((img, i) => {
    const prev = seen.get(img.name.toLowerCase());
    if (prev !== undefined) r.report(`image[${i + 1}].name`, `image "${img.name}" is already defined by image[${prev + 1}]`, 'expected each image name once');
    else seen.set(img.name.toLowerCase(), i);
    // each image served over NBD is a section of nbd-server.conf named after it, and nbd-server
    // reads [generic] as its own settings: such an export would not exist (section names are
    // case-sensitive there, so "Generic" is an export like any other)
    if (img.name === NBD_GENERIC && img.serve === 'nbd')
      r.report(`image[${i + 1}].name`, `"${img.name}" is the name of nbd-server's own section in nbd-server.conf, so the image would not be exported`, 'expected another image name, like gentoo or lab-2024');
    const danger = systemDirProblem(img.root);
    if (danger) r.report(`image[${i + 1}].root`, danger, 'expected a directory of its own, like /srv/ltsp/gentoo');
  });
  const defaults = images.map((img, i) => (img.default ? i : -1)).filter((i) => i >= 0);
  if (defaults.length > 1) r.report(`image[${defaults[1] + 1}].default`, `image[${defaults[0] + 1}] is already the default`, 'expected default = true on one image at most');
  if (images.length > 0 && defaults.length === 0) images[0].default = true;
  const fallback = images.find((img) => img.default)?.name;

  // the key is made only for a message (a string a host costs megabytes at 100,000 hosts)
  const known = (name: string | undefined, key: () => string): string | undefined => {
    if (name === undefined) return undefined;
    const found = images.find((img) => img.name.toLowerCase() === name.toLowerCase());
    if (!found) r.report(key(), `image "${name}" is not defined`, images.length ? `expected one of: ${images.map((img) => img.name).join(', ')}` : 'expected an [[image]] with that name');
    return found?.name;
  };
  // hosts are in checkHosts' order: the groups' hosts in file order, then the top-level ones
  let i = 0;
  v.group.forEach((g, gi) => {
    const groupImage = known(g.image, () => `group[${gi + 1}].image`) ?? fallback;
    g.host.forEach((h, hi) => {
      hosts[i++].image = h.image === undefined ? groupImage : known(h.image, () => `group[${gi + 1}].host[${hi + 1}].image`) ?? groupImage;
    });
  });
  v.host.forEach((h, hi) => {
    hosts[i++].image = h.image === undefined ? fallback : known(h.image, () => `host[${hi + 1}].image`) ?? fallback;
  });
  return images;
}
