// IPv4 arithmetic for subnets, ranges and fixed addresses.

/** Dotted decimal, four parts of 0-255 without leading zeros (010 is octal to some parsers); else null. */
export function parseIPv4(text: string): number | null {
  // a scan, not a regular expression: every host's address is parsed several times
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 1 && part === 0) return null; // a leading zero
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return null;
    } else if (c === 46 && digits > 0 && dots < 3) {
      n = n * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else return null;
  }
  return dots === 3 && digits > 0 ? n * 256 + part : null;
}

/** An address that has passed validation (every address in a Site), as a number. */
export function ipv4Number(address: string): number {
  const n = parseIPv4(address);
  if (n === null) throw new Error(`not a validated IPv4 address: ${address}`);
  return n;
}

export function formatIPv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff - (2 ** (32 - prefix) - 1)) >>> 0;
}

export interface Cidr {
  network: number;
  prefix: number;
}

export function parseCidr(text: string): Cidr | null {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(text);
  if (!m) return null;
  const address = parseIPv4(m[1]);
  const prefix = Number(m[2]);
  if (address === null || prefix > 32) return null;
  return { network: address, prefix };
}

export function inCidr(address: number, cidr: Cidr): boolean {
  const mask = maskOf(cidr.prefix);
  return ((address & mask) >>> 0) === ((cidr.network & mask) >>> 0);
}

export function broadcastOf(cidr: Cidr): number {
  return (cidr.network | (~maskOf(cidr.prefix) >>> 0)) >>> 0;
}
