// The TFTP root handed to the TFTP user: what the wiki did by hand with
// `chown -R nobody:nobody /tftpboot`, done safely (src/system/tree.ts):
// files world-readable, directories traversable, symlinks never followed.
// ltsp-tftpd does the same on every start; with the xinetd launcher run
// `ltspcfg-ts apply --only tftp-tree` after changing the tree.
import type { Target } from '../types';

export const tftpTree: Target = {
  name: 'tftp-tree',
  summary: 'the TFTP root and everything in it owned by the TFTP user and readable',
  whyNoFile: (site) => `it only hands the tree under tftp.root (${site.tftp.root}) to ${site.tftp.user}:${site.tftp.group}, which \`ltspcfg-ts apply --only tftp-tree\` does`,
  plan(site) {
    const { root, user, group } = site.tftp;
    return [
      { kind: 'dir', path: root, mode: 0o755, owner: user, group },
      { kind: 'tree', path: root, owner: user, group },
    ];
  },
};
