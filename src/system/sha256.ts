// SHA-256 (FIPS 180-4), as state.json, the stamp and the apply lock record it.
// Loading node:crypto costs an apply 3-5 ms (its ciphers, key objects and node's
// streams come with it), more than hashing what a one-target apply hashes (the
// site file and the files it writes: tens of KB). A small WebAssembly module,
// assembled here on first use (under 1 KB; V8 compiles it in well under a
// millisecond), runs the compression function; the padding and the digest are
// done here. Inputs over LARGE bytes, and a node without WebAssembly (--jitless),
// use node:crypto: the same digest (tests/unit/sha256.test.ts compares them).

/** From this size on, node:crypto (OpenSSL) hashes faster than its load costs. */
const LARGE = 256 * 1024;

// memory: the round constants K (0..255), the state H (256..287), the message schedule W
// (288..543), then the message blocks, CHUNK bytes at a time (two 64 KiB pages in all)
const K_AT = 0;
const H_AT = 256;
const W_AT = 288;
const DATA_AT = 1024;
const CHUNK = 64 * 1024;

const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];
const H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

// ------------------------------------------------------------ the module, instruction by instruction

/** Code as nested lists of bytes, flattened once: spreading small arrays costs cold code more than the module's compilation. */
type Code = number | Code[];

/** Unsigned and signed LEB128, as WebAssembly encodes its integers. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}
function sleb(n: number): number[] {
  const out: number[] = [];
  n |= 0;
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

// i32 instructions (WebAssembly core specification, section 5.4)
const get = (l: number): Code => [0x20, l];
const set = (l: number): Code => [0x21, l];
const c = (n: number): Code => [0x41, sleb(n)];
/** load or store of an i32 at address + offset (4-byte aligned) */
const load = (offset: number): Code => [0x28, 2, uleb(offset)];
const store = (offset: number): Code => [0x36, 2, uleb(offset)];
const [ADD, AND, OR, XOR, SHR_U, ROTL, ROTR, LT_U, EQZ] = [0x6a, 0x71, 0x72, 0x73, 0x76, 0x77, 0x78, 0x49, 0x45];
const LOOP: Code = [0x03, 0x40];
const BLOCK: Code = [0x02, 0x40];
const END = 0x0b;
const brIf = (depth: number): Code => [0x0d, depth];
const BR0: Code = [0x0c, 0];

// compress(p, end): the 64-byte blocks from p to end, into H. Locals: 0 p, 1 end, 2 i (a byte
// offset into W and K), 3..10 the working variables a..h, 11 and 12 two sums, 13 a word.
const [P, END_AT, I, A, B, C, D, E, F, G, H, T1, T2, X] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
const WORKING = [A, B, C, D, E, F, G, H];
/** x rotated right by r and r2, and rotated (or shifted) right by r3, xor'd: the Σ and σ functions */
const sigma = (x: Code, r: number, r2: number, r3: number, shift = false): Code => [x, c(r), ROTR, x, c(r2), ROTR, XOR, x, c(r3), shift ? SHR_U : ROTR, XOR];
/** i += step, and loop while i < limit */
const next = (step: number, limit: number): Code => [get(I), c(step), ADD, set(I), get(I), c(limit), LT_U, brIf(0)];

function compressBody(): Code {
  return [
    BLOCK, LOOP,
    get(P), get(END_AT), LT_U, EQZ, brIf(1),
    // W[0..15]: the block's big-endian words (a little-endian load, its bytes swapped)
    c(0), set(I),
    LOOP,
    get(I),
    get(P), get(I), ADD, load(0), set(X),
    get(X), c(8), ROTL, c(0x00ff00ff), AND, get(X), c(8), ROTR, c(0xff00ff00 | 0), AND, OR,
    store(W_AT),
    next(4, 64),
    END,
    // W[16..63] = σ1(W[i-2]) + W[i-7] + σ0(W[i-15]) + W[i-16]
    LOOP,
    get(I),
    sigma([get(I), load(W_AT - 8)], 17, 19, 10, true),
    get(I), load(W_AT - 28), ADD,
    sigma([get(I), load(W_AT - 60)], 7, 18, 3, true), ADD,
    get(I), load(W_AT - 64), ADD,
    store(W_AT),
    next(4, 256),
    END,
    // a..h from H
    WORKING.map((l, k) => [c(0), load(H_AT + 4 * k), set(l)]),
    c(0), set(I),
    LOOP,
    // T1 = h + Σ1(e) + Ch(e, f, g) + K[i] + W[i], with Ch = g ^ (e & (f ^ g))
    get(H), sigma(get(E), 6, 11, 25), ADD,
    get(G), get(E), get(F), get(G), XOR, AND, XOR, ADD,
    get(I), load(K_AT), ADD,
    get(I), load(W_AT), ADD, set(T1),
    // T2 = Σ0(a) + Maj(a, b, c), with Maj = (a & b) | (c & (a | b))
    sigma(get(A), 2, 13, 22),
    get(A), get(B), AND, get(C), get(A), get(B), OR, AND, OR, ADD, set(T2),
    get(G), set(H), get(F), set(G), get(E), set(F),
    get(D), get(T1), ADD, set(E),
    get(C), set(D), get(B), set(C), get(A), set(B),
    get(T1), get(T2), ADD, set(A),
    next(4, 256),
    END,
    // H += a..h
    WORKING.map((l, k) => [c(0), c(0), load(H_AT + 4 * k), get(l), ADD, store(H_AT + 4 * k)]),
    get(P), c(64), ADD, set(P),
    BR0,
    END, END,
    END,
  ];
}

const section = (id: number, content: number[]): Code => [id, uleb(content.length), content];
const name = (s: string): Code => [s.length, Array.from(s, (ch) => ch.charCodeAt(0))];
const flat = (code: Code): number[] => [code].flat(Infinity as 1) as number[];

/** The module: one memory of two pages holding K, and compress(p, end), both exported. */
function moduleBytes(): Uint8Array<ArrayBuffer> {
  // one group of 12 more i32 locals, then the code
  const body = flat([1, 12, 0x7f, compressBody()]);
  const kBytes = K.map((k) => [k & 0xff, (k >>> 8) & 0xff, (k >>> 16) & 0xff, k >>> 24]);
  return new Uint8Array(flat([
    [0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0],
    // (i32, i32) -> (); one function of that type; a memory of 2 pages; the exports
    section(1, [1, 0x60, 2, 0x7f, 0x7f, 0]),
    section(3, [1, 0]),
    section(5, [1, 0, 2]),
    section(7, flat([2, name('memory'), 2, 0, name('compress'), 0, 0])),
    section(10, flat([1, uleb(body.length), body])),
    // K at K_AT, little-endian like every i32 load
    section(11, flat([1, 0, c(K_AT), END, uleb(K.length * 4), kBytes])),
  ]));
}

// ------------------------------------------------------------ hashing

interface Compressor {
  bytes: Uint8Array;
  view: DataView;
  compress: (p: number, end: number) => void;
}

let compressor: Compressor | null | undefined;

/** The module, instantiated once a run; null where WebAssembly is not available. */
function wasm(): Compressor | null {
  if (compressor === undefined) {
    try {
      const { exports } = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes()));
      const { buffer } = exports.memory as WebAssembly.Memory;
      compressor = { bytes: new Uint8Array(buffer), view: new DataView(buffer), compress: exports.compress as Compressor['compress'] };
    } catch {
      compressor = null;
    }
  }
  return compressor;
}

function wasmDigest(data: Uint8Array, w: Compressor): string {
  const { bytes, view } = w;
  for (let k = 0; k < 8; k++) view.setUint32(H_AT + 4 * k, H0[k], true);
  const n = data.length;
  let off = 0;
  for (; n - off >= CHUNK; off += CHUNK) {
    bytes.set(data.subarray(off, off + CHUNK), DATA_AT);
    w.compress(DATA_AT, DATA_AT + CHUNK);
  }
  // the last bytes, 0x80, zeros, and the length in bits (big-endian, 64 bits), to a whole block
  const rest = n - off;
  const padded = ((rest + 9 + 63) >>> 6) << 6;
  bytes.set(data.subarray(off), DATA_AT);
  bytes.fill(0, DATA_AT + rest, DATA_AT + padded);
  bytes[DATA_AT + rest] = 0x80;
  view.setUint32(DATA_AT + padded - 8, Math.floor(n / 0x20000000), false);
  view.setUint32(DATA_AT + padded - 4, (n * 8) >>> 0, false);
  w.compress(DATA_AT, DATA_AT + padded);
  let hex = '';
  for (let k = 0; k < 8; k++) hex += view.getUint32(H_AT + 4 * k, true).toString(16).padStart(8, '0');
  return hex;
}

/** The SHA-256 of the bytes by the WebAssembly module, in hexadecimal; null where WebAssembly is not available. */
export function wasmSha256(data: Uint8Array): string | null {
  const w = wasm();
  return w && wasmDigest(data, w);
}

/** The SHA-256 of the bytes (a string: of its UTF-8), in hexadecimal. */
export function sha256(data: string | Uint8Array): string {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const hex = bytes.length < LARGE ? wasmSha256(bytes) : null;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return hex ?? (require('node:crypto') as typeof import('node:crypto')).createHash('sha256').update(bytes as Buffer).digest('hex');
}
