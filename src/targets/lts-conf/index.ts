// lts.conf: the LTSP 4 client configuration, read by the clients from their NFS root.
import { posix } from 'node:path';
import { stringify } from 'ini';
import { generatedHeader } from '../template';
import type { PlannedItem, Target } from '../types';
import { LTS_CONF_TFTP } from '../image/boot';

export const ltsConf: Target = {
  name: 'lts.conf',
  summary: 'LTSP client settings in the NFS root (etc/lts.conf), and in the TFTP root for [[image]] clients',
  // always at least one file
  whyNoFile: () => undefined,
  plan(site) {
    // one stringify per section: ini would escape the dots of an address-named section
    const sections = site.lts.map(({ name, entries }) =>
      stringify(Object.fromEntries(entries), { section: name, whitespace: true }),
    );
    const content = generatedHeader('#', site) + '\n' + sections.join('\n');
    const items: PlannedItem[] = [{ kind: 'file', path: posix.join(site.nfs.root, 'etc/lts.conf'), content, mode: 0o644 }];
    // clients of an [[image]] fetch it by TFTP at every boot: a change needs no new image
    if (site.images.length > 0)
      items.push({ kind: 'file', path: posix.join(site.tftp.root, LTS_CONF_TFTP), content, mode: 0o644, owner: site.tftp.user, group: site.tftp.group });
    return items;
  },
};
