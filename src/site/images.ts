// [[image]] and [nbd]: the client roots, which one each host boots, and the
// rules between them. Kept apart from validate.ts: one family of rules.
import type { Host, Image, Site } from './types';

type Table = Record<string, unknown>;
type Report = (key: string, problem: string, expected: string) => void;

/**
 * The images and the NBD settings; sets `image` on every host (its own, its
 * group's, else the default image). `hosts` is in buildSite's order: grouped
 * hosts in file order, then top-level [[host]] entries.
 */
export function buildImages(t: Table, hosts: Host[], report: Report, dangerous: (path: string) => string | null): Pick<Site, 'images' | 'nbd'> {
  const nbd = t.nbd as Table;
  const raw = t.image as Table[];
  const images: Image[] = raw.map((r) => ({ name: r.name as string, root: r.root as string, serve: r.serve as Image['serve'], default: r.default as boolean }));

  const seen = new Map<string, number>();
  images.forEach((img, i) => {
    const prev = seen.get(img.name.toLowerCase());
    if (prev !== undefined) report(`image[${i + 1}].name`, `image "${img.name}" is already defined by image[${prev + 1}]`, 'expected each image name once');
    else seen.set(img.name.toLowerCase(), i);
    const danger = dangerous(img.root);
    if (danger) report(`image[${i + 1}].root`, danger, 'expected a directory of its own, like /srv/ltsp/gentoo');
  });
  const defaults = images.map((img, i) => (img.default ? i : -1)).filter((i) => i >= 0);
  if (defaults.length > 1) report(`image[${defaults[1] + 1}].default`, `image[${defaults[0] + 1}] is already the default`, 'expected default = true on one image at most');
  if (images.length > 0 && defaults.length === 0) images[0].default = true;
  const fallback = images.find((img) => img.default)?.name;

  const known = (name: string | undefined, key: string): string | undefined => {
    if (name === undefined) return undefined;
    const found = images.find((img) => img.name.toLowerCase() === name.toLowerCase());
    if (!found) report(key, `image "${name}" is not defined`, images.length ? `expected one of: ${images.map((img) => img.name).join(', ')}` : 'expected an [[image]] with that name');
    return found?.name;
  };
  const chosen: (string | undefined)[] = [];
  (t.group as Table[]).forEach((g, gi) => {
    const groupImage = known(g.image as string | undefined, `group[${gi + 1}].image`);
    (g.host as Table[]).forEach((h, hi) => chosen.push(known(h.image as string | undefined, `group[${gi + 1}].host[${hi + 1}].image`) ?? groupImage));
  });
  (t.host as Table[]).forEach((h, hi) => chosen.push(known(h.image as string | undefined, `host[${hi + 1}].image`)));
  hosts.forEach((h, i) => {
    h.image = chosen[i] ?? fallback;
  });

  return { images, nbd: { port: nbd.port as number, dir: nbd.dir as string } };
}
