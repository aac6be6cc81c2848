// /etc/hosts: a marked block naming the server and every thin client with a fixed address.
import type { Target } from '../types';
import { render } from '../template';
import { markedBlock } from '../edits';
import template from './hosts.hbs';

export const hosts: Target = {
  name: 'hosts',
  summary: 'the server and the thin clients with fixed addresses, in a marked block of /etc/hosts',
  // always at least one file
  whyNoFile: () => undefined,
  plan(site) {
    const content = render(template, {
      address: site.server.address,
      hostname: site.server.hostname,
      domain: site.network.domain,
      hosts: site.hosts.filter((h) => h.address),
    });
    return [markedBlock({ path: '/etc/hosts', content, comment: '#', mode: 0o644 })];
  },
};
