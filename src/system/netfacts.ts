// What `clients` asks of the live server for its XDMCP diagnoses: whether a
// UDP port is bound (the kernel's socket tables, of the network namespace it
// runs in) and the nftables ruleset loaded now.
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

/** true when a UDP socket (IPv4 or IPv6) is bound to `port`; null when /proc/net cannot be read */
export function udpListening(port: number): boolean | null {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let read = false;
  for (const f of ['/proc/net/udp', '/proc/net/udp6']) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    read = true;
    // "  sl  local_address rem_address st ...": the local address is the second field
    for (const line of text.split('\n').slice(1)) {
      const local = line.trim().split(/\s+/)[1];
      if (local?.endsWith(hex)) return true;
    }
  }
  return read ? false : null;
}

/** `nft -j list ruleset`, parsed; null when nft is missing, refuses (no privilege) or says nothing */
export function nftRuleset(): unknown {
  const r = spawnSync('nft', ['-j', 'list', 'ruleset'], { encoding: 'utf8', timeout: 5000, env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` } });
  if (r.error || r.status !== 0 || !r.stdout.trim()) return null;
  try {
    return JSON.parse(r.stdout);
  } catch {
    return null;
  }
}
