// /etc/hosts.allow: a marked block letting the thin-client subnets reach the
// tcp-wrappers daemons NFS needs: rpcbind (portmap is its old name, the one the
// old guide uses) and rpc.mountd ("mountd" to tcp-wrappers). Nothing else in
// the file is touched; /etc/hosts.deny is the admin's.
import { markedBlock } from '../edits';
import type { Target } from '../types';
import { clientSubnets, wrappersPattern } from '../subnets';

const HOSTS_ALLOW_DAEMONS = ['rpcbind', 'portmap', 'mountd'];

export const hostsAllow: Target = {
  name: 'hosts-allow',
  summary: 'rpcbind and mountd for the thin-client subnets, in a marked block of /etc/hosts.allow',
  // always at least one file
  whyNoFile: () => undefined,
  plan(site) {
    const clients = clientSubnets(site).map(wrappersPattern).join(' ');
    const content = `${HOSTS_ALLOW_DAEMONS.join(', ')}: ${clients}\n`;
    return [markedBlock({ path: '/etc/hosts.allow', content, comment: '#', mode: 0o644 })];
  },
};
