// Pairs of values that must come in order: the DHCP lease times, tftp.data_ports.
import type { Reporter } from '../reporter';
import type { SiteValues } from '../types';

export function checkRanges(r: Reporter, { dhcp, tftp }: SiteValues): void {
  if (dhcp.defaultLeaseTime > dhcp.maxLeaseTime)
    r.report('dhcp.default_lease_time', `${dhcp.defaultLeaseTime} is longer than dhcp.max_lease_time ${dhcp.maxLeaseTime}`, 'expected default_lease_time <= max_lease_time');
  const ports = tftp.dataPorts;
  if (ports && ports[0] > ports[1]) r.report('tftp.data_ports', `[${ports.join(', ')}] starts after it ends`, 'expected [first, last] with first <= last');
}
