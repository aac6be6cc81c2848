// lts.conf: the LTSP 4 client configuration, read by the clients from their NFS root.
import { posix } from 'node:path';
import { stringify } from 'ini';
import { generatedHeader } from '../template';
import type { Target } from '../types';

export const ltsConf: Target = {
  name: 'lts.conf',
  summary: 'LTSP client settings in the NFS root (etc/lts.conf)',
  // always at least one file
  whyNoFile: () => undefined,
  plan(site) {
    // one stringify per section: ini would escape the dots of an address-named section
    const sections = site.lts.map(({ name, entries }) =>
      stringify(Object.fromEntries(entries), { section: name, whitespace: true }),
    );
    return [
      {
        kind: 'file',
        path: posix.join(site.nfs.root, 'etc/lts.conf'),
        content: generatedHeader('#', site) + '\n' + sections.join('\n'),
        mode: 0o644,
      },
    ];
  },
};
