// NFS: /etc/exports.d/ltsp-ts.exports (nfs-utils reads every *.exports file
// there beside /etc/exports), the two exported directories, and rpc.mountd
// pinned to nfs.mountd_port in Gentoo's /etc/conf.d/nfs so that a firewall can
// open it.
//
// No checker item: exportfs has no option to read another file than
// /etc/exports and /etc/exports.d; the tests run the real exportfs -ra on this
// file inside a private mount namespace instead.
import type { Site } from '../../site/types';
import { generatedHeader, render } from '../template';
import type { Platform, Target } from '../types';
import { namedKeys, shellOptions } from '../edits-keys';
import { clientSubnets } from '../subnets';
import template from './exports.hbs';

export const EXPORTS_PATH = '/etc/exports.d/ltsp-ts.exports';


export function renderExports(site: Site): string {
  return render(template, {
    header: generatedHeader('#', site).trimEnd(),
    root: site.nfs.root,
    swapfiles: site.nfs.swapfiles,
    clients: clientSubnets(site).map((s) => s.cidr),
    // [[image]] roots with serve = "nfs" (the LTSP 4 root above stays for Etherboot clients)
    images: site.images.filter((img) => img.serve === 'nfs' && img.root !== site.nfs.root).map((img) => ({ name: img.name, root: img.root })),
  });
}

/** the unprivileged account squashed root becomes: nobody, and its group (nogroup on Debian) */
function anonymous(platform: Platform): { owner: string; group: string } {
  return { owner: 'nobody', group: platform.gentoo ? 'nobody' : 'nogroup' };
}

export const exportsTarget: Target = {
  name: 'exports',
  summary: 'NFS exports of the client root (ro) and swap files (rw), their directories, and a fixed mountd port',
  // always at least one file
  whyNoFile: () => undefined,
  plan(site, platform) {
    return [
      { kind: 'file', path: EXPORTS_PATH, content: renderExports(site), mode: 0o644 },
      // the client root is read by everyone and written only by the server's root
      { kind: 'dir', path: site.nfs.root, mode: 0o755 },
      // swap files are created by the clients' root, which root_squash turns into nobody;
      // nobody else may read them
      { kind: 'dir', path: site.nfs.swapfiles, mode: 0o700, ...anonymous(platform) },
      namedKeys({
        path: '/etc/conf.d/nfs',
        mode: 0o644,
        format: 'shell',
        keys: [
          {
            key: 'OPTS_RPC_MOUNTD',
            value: (current) => shellOptions(current, [{ flag: '-p', arg: true }, { flag: '--port', arg: true }], ['-p', String(site.nfs.mountdPort)]),
          },
        ],
      }),
    ];
  },
};
