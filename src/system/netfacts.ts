// What `clients` asks of the live server for its XDMCP diagnoses, besides
// whether a UDP port is bound (src/system/ports.ts, udpBound): the nftables
// ruleset loaded now.
import { spawnSync } from 'node:child_process';

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
