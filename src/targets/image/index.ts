// The client side of an [[image]]: the scripts of its initramfs (/init, the
// DHCP event script) and the session script that runs as PID 1 of the
// client's root. Pure: `ltspcfg-ts image` puts them into the initramfs.
import type { Image, Site } from '../../site/types';
import { generatedHeader, render } from '../template';
import { LTS_CONF_TFTP } from './boot';
import init from './init.sh.hbs';
import udhcpc from './udhcpc.sh.hbs';
import session from './session.sh.hbs';

/** initramfs path -> script text */
export function clientScripts(site: Site, image: Image): Record<string, string> {
  const header = generatedHeader('#', site).trimEnd();
  // the syslog target's UDP port (0: the clients log nothing to the server)
  const syslogPort = site.syslog.udpPort;
  return {
    '/init': render(init, { header, image: image.name, ltsConf: LTS_CONF_TFTP, syslogPort }),
    '/lib/ltsp/udhcpc.sh': render(udhcpc, { header }),
    '/lib/ltsp/session.sh': render(session, { header, syslogPort }),
  };
}
