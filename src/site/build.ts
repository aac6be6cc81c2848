// The checked values of site.toml -> the Site every target receives. The rules
// that span keys run family by family (src/site/rules/); a new family is one
// more module and one more line here.
import type { Reporter } from './reporter';
import type { Site, SiteValues } from './types';
import { checkAddresses } from './rules/addresses';
import { checkHosts } from './rules/hosts';
import { checkPaths } from './rules/paths';
import { checkRanges } from './rules/ranges';
import { checkLts } from './rules/lts';
import { checkBoot } from './rules/boot';
import { checkImages } from './rules/images';
import { checkBootLine } from './rules/boot-line';
import { checkDhcpOptions } from './rules/dhcp-options';

/** Call only when the schema check found nothing; the rules report to r. */
export function buildSite(r: Reporter, v: SiteValues, source: Site['source']): Site {
  const net = checkAddresses(r, v);
  const { groups, hosts, pathOf } = checkHosts(r, v, net);
  checkPaths(r, v);
  checkRanges(r, v);
  const lts = checkLts(r, v.lts, hosts);
  const http = checkBoot(r, v);
  const images = checkImages(r, v, hosts);

  const { subnet, routers, extraSubnet, logServers, ...network } = v.network;
  const { range, ...dhcp } = v.dhcp;
  const { group, host, http: _http, image, ...tables } = v;
  const site: Site = {
    ...tables,
    source,
    network: { ...network, subnets: net.subnets, logServers: logServers ?? [v.server.address] },
    dhcp,
    tftp: { ...v.tftp, address: v.tftp.address ?? v.server.address },
    http,
    lts,
    groups,
    hosts,
    images,
  };
  // what the clients' boot is handed, measured on the lines the targets print
  checkBootLine(r, site, pathOf);
  checkDhcpOptions(r, site, pathOf);
  return site;
}
