// IPv4 arithmetic for subnets, ranges and fixed addresses.

export function parseIPv4(text: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  let n = 0;
  for (const part of m.slice(1)) {
    if (part.length > 1 && part.startsWith('0')) return null; // 010 is octal to some parsers
    const v = Number(part);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
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
