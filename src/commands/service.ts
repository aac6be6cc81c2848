// service NAME [--ports]: what one of ltsp-ts's own OpenRC services asks before
// it starts. The rules live here, not in the scripts: whether site.toml calls
// for the service at all (dhcp.mode for dhcpd.1067, tftp.launcher for
// ltsp-tftpd, http.enabled for ltsp-httpd, an NBD image for ltsp-nbd) and,
// with --ports, whether another program holds the port it binds. The
// scripts show the message and stop; status reports the same findings.
import { notCalledFor, OWN_SERVICES, portTakenText, servicePort, type OwnService } from '../status/services';
import { portHolders, wantText } from '../system/ports';
import { Problem, unknownName } from '../errors';
import { siteOf, type Context } from './context';

/** dhcpd.1067, or an instance of it (dhcpd.1067.eth1): the service whose rules apply */
function ownService(name: string): OwnService {
  const own = OWN_SERVICES.find((s) => s === name || (s === 'dhcpd.1067' && name.startsWith(`${s}.`) && name.length > s.length + 1));
  if (!own) throw unknownName('service', 'service', name, [...OWN_SERVICES]);
  return own;
}

/** Exit 0, printing nothing, when the service may start; a Problem (exit 1) naming what stands in the way. */
export function runService(ctx: Context, name: string, flags: { ports?: boolean }): number {
  const service = ownService(name);
  const site = siteOf(ctx);
  const why = notCalledFor(service, site, ctx.configPath);
  if (why) throw new Problem(why);
  if (flags.ports) {
    const port = servicePort(service, site);
    const holders = portHolders(port.want, port.shared);
    if (holders === null) throw new Problem(`service: cannot tell whether ${wantText(port.want)} is free: /proc/net cannot be read`);
    if (holders.length) throw new Problem(portTakenText(port, holders, ctx.configPath));
  }
  return 0;
}
