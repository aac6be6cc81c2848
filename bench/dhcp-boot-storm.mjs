// The load generator of bench/dhcp-boot-storm.sh: plays N Etherboot ROMs
// booting at once against a DHCP server on port 1067. Each client has its own
// MAC (chaddr; dhcpd matches hosts on it) and does the whole exchange,
// DISCOVER -> OFFER -> REQUEST -> ACK, from port 1068 with the broadcast flag
// set (the replies come back as broadcasts, as to a ROM without an address).
// Every client retransmits at most --tries times, the run stops by itself
// after --deadline seconds. Run it inside the client network namespace:
//
//   node bench/dhcp-boot-storm.mjs --count 200 --mac-prefix 02:1d:0f:00 \
//        --addresses 192.0.2.20-192.0.2.219 --file /lts/vmlinuz-lab
//
// --addresses lists ranges FIRST-LAST, comma-separated (--first-address A is
// A-255.255.255.254). Client i expects the i-th address of the list as its
// fixed address; with --dynamic, any of the first `count` addresses (the
// dhcp.range), each handed to one client only.
//
// Prints one line per figure; exits 1 when a client got no right ACK, 2 on
// bad options.
import dgram from 'node:dgram';
import { parseArgs } from 'node:util';

function usage(problem) {
  console.error(`dhcp-boot-storm: ${problem}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      count: { type: 'string', default: '200' },
      'mac-prefix': { type: 'string', default: '02:1d:0f:00' },
      'first-address': { type: 'string', default: '192.0.2.20' },
      addresses: { type: 'string' },
      dynamic: { type: 'boolean', default: false },
      file: { type: 'string', default: '' },
      vendor: { type: 'string', default: 'Etherboot-5.4' },
      port: { type: 'string', default: '1067' },
      server: { type: 'string', default: '255.255.255.255' },
      'retry-ms': { type: 'string', default: '1000' },
      tries: { type: 'string', default: '4' },
      deadline: { type: 'string', default: '30' },
    },
  });
} catch (e) {
  usage(e.message);
}
const opt = parsed.values;

const count = Number(opt.count);
const serverPort = Number(opt.port);
const retryMs = Number(opt['retry-ms']);
const maxTries = Number(opt.tries);
const deadlineMs = Number(opt.deadline) * 1000;
if (!(Number.isInteger(count) && count >= 1 && count <= 65536)) usage(`--count ${opt.count}: expected a whole number from 1 to 65536 (two bytes of MAC)`);

const ipToInt = (s) => s.split('.').reduce((a, b) => a * 256 + Number(b), 0);
const intToIp = (n) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
// the addresses the clients expect, in order
const pool = [];
for (const part of (opt.addresses ?? `${opt['first-address']}-255.255.255.254`).split(',')) {
  const [a, b] = part.split('-').map(ipToInt);
  for (let n = a; n <= b && pool.length < count; n++) pool.push(n);
}
if (pool.length < count) usage(`--addresses ${opt.addresses}: ${pool.length} addresses for ${count} clients, expected one each`);
const expected = new Set(pool);
const prefix = opt['mac-prefix'].split(':').map((h) => parseInt(h, 16));
if (prefix.length !== 4 || prefix.some((x) => !(x >= 0 && x <= 255))) usage(`--mac-prefix ${opt['mac-prefix']}: expected four bytes, e.g. 02:1d:0f:00`);

// options 53, 55, 60, 61 and, for a REQUEST, 50 and 54
const DISCOVER = 1, OFFER = 2, REQUEST = 3, ACK = 5, NAK = 6;
const COOKIE = Buffer.from([99, 130, 83, 99]);
const PRL = [1, 3, 6, 12, 15, 17, 28, 128, 129];

function packet(client, type) {
  const b = Buffer.alloc(548);
  b[0] = 1; // BOOTREQUEST
  b[1] = 1; // Ethernet
  b[2] = 6;
  b.writeUInt32BE(client.xid, 4);
  b.writeUInt16BE(Math.min(65535, Math.floor((Date.now() - t0) / 1000)), 8); // secs
  b.writeUInt16BE(0x8000, 10); // broadcast flag
  client.mac.copy(b, 28);
  COOKIE.copy(b, 236);
  let o = 240;
  const put = (code, data) => {
    b[o++] = code;
    b[o++] = data.length;
    Buffer.from(data).copy(b, o);
    o += data.length;
  };
  put(53, [type]);
  put(61, Buffer.concat([Buffer.from([1]), client.mac]));
  put(60, Buffer.from(opt.vendor));
  put(55, PRL);
  if (type === REQUEST) {
    put(50, client.offered);
    put(54, client.server);
  }
  b[o++] = 255;
  return b.subarray(0, Math.max(o, 300));
}

// type, yiaddr, server identifier, file of a BOOTREPLY; null when not one
function parse(b) {
  if (b.length < 240 || b[0] !== 2 || !b.subarray(236, 240).equals(COOKIE)) return null;
  const r = { xid: b.readUInt32BE(4), yiaddr: b.subarray(16, 20), file: '', type: 0, server: null };
  const f = b.subarray(108, 236);
  const nul = f.indexOf(0);
  r.file = f.subarray(0, nul < 0 ? f.length : nul).toString('latin1');
  for (let o = 240; o < b.length; ) {
    const code = b[o];
    if (code === 255) break;
    if (code === 0) { o++; continue; }
    const len = b[o + 1];
    const data = b.subarray(o + 2, o + 2 + len);
    if (code === 53) r.type = data[0];
    if (code === 54) r.server = Buffer.from(data);
    o += 2 + len;
  }
  return r;
}

const clients = [];
const byXid = new Map();
const leased = new Set();
const xidBase = (process.pid * 65536) >>> 0;
for (let i = 0; i < count; i++) {
  const mac = Buffer.from([...prefix, (i >> 8) & 255, i & 255]);
  const c = {
    i, mac, xid: (xidBase + i) >>> 0, state: 'discover', tries: 0, sent: 0, start: 0, done: 0,
    offered: null, server: null, expect: intToIp(pool[i]), why: '',
  };
  clients.push(c);
  byXid.set(c.xid, c);
}

const sock = dgram.createSocket({ type: 'udp4', reuseAddr: true });
let t0 = 0, naks = 0, wrong = 0, lastAck = 0;
const retransmitted = { discover: 0, request: 0 };

function send(c, type) {
  c.sent = Date.now();
  c.tries++;
  sock.send(packet(c, type), serverPort, opt.server);
}

sock.on('message', (msg) => {
  const r = parse(msg);
  if (!r) return;
  const c = byXid.get(r.xid);
  if (!c) return;
  const now = Date.now();
  if (c.state === 'discover' && r.type === OFFER) {
    c.offered = Buffer.from(r.yiaddr);
    c.server = r.server;
    c.state = 'request';
    c.tries = 0;
    send(c, REQUEST);
  } else if (c.state === 'request' && r.type === ACK) {
    const got = [...r.yiaddr].join('.');
    const n = ipToInt(got);
    const inRange = expected.has(n) && !leased.has(n);
    if ((opt.dynamic ? !inRange : got !== c.expect) || (opt.file && r.file !== opt.file)) {
      wrong++;
      c.state = 'failed';
      c.why = `ACK of ${got} file "${r.file}", expected ${opt.dynamic ? 'a free address of the range' : c.expect} "${opt.file}"`;
    } else {
      c.state = 'done';
      c.done = now;
      leased.add(n);
      lastAck = now;
    }
    check();
  } else if (c.state === 'request' && r.type === NAK) {
    naks++;
    c.state = 'discover';
    c.tries = 0;
    send(c, DISCOVER);
  }
});

let timer;
function finish() {
  clearInterval(timer);
  sock.close();
  const done = clients.filter((c) => c.state === 'done');
  const failed = clients.length - done.length;
  const took = done.map((c) => c.done - c.start).sort((a, b) => a - b);
  const pct = (p) => (took.length ? took[Math.min(took.length - 1, Math.floor((p / 100) * took.length))] : NaN);
  console.log(`clients:          ${count} (${opt.vendor}, distinct MACs ${opt['mac-prefix']}:xx:xx, ${opt.dynamic ? 'addresses from dhcp.range' : 'fixed addresses'})`);
  console.log(`leased:           ${done.length}`);
  console.log(`failed:           ${failed}`);
  console.log(`last ACK after:   ${done.length ? ((lastAck - t0) / 1000).toFixed(3) : '-'} s`);
  console.log(`per client:       median ${pct(50)} ms, p95 ${pct(95)} ms, max ${pct(100)} ms (DISCOVER to ACK)`);
  console.log(`retransmissions:  ${retransmitted.discover} DISCOVER, ${retransmitted.request} REQUEST (after ${retryMs} ms without an answer); NAKs ${naks}, wrong ACKs ${wrong}`);
  for (const c of clients.filter((x) => x.state !== 'done').slice(0, 5)) {
    console.log(`  not leased: ${[...c.mac].map((x) => x.toString(16).padStart(2, '0')).join(':')} ${c.why || c.state}`);
  }
  process.exitCode = failed === 0 ? 0 : 1;
}

function check() {
  if (clients.every((c) => c.state === 'done' || c.state === 'failed')) finish();
}

sock.on('error', (e) => {
  console.error(`dhcp-boot-storm: ${e.message}`);
  process.exit(2);
});

sock.bind(1068, '0.0.0.0', () => {
  sock.setBroadcast(true);
  sock.setRecvBufferSize(4 * 1024 * 1024);
  t0 = Date.now();
  for (const c of clients) {
    c.start = t0;
    send(c, DISCOVER);
  }
  // retransmissions, at most `tries` a step; the whole run ends at the deadline
  timer = setInterval(() => {
    const now = Date.now();
    if (now - t0 > deadlineMs) {
      for (const c of clients) if (c.state === 'discover' || c.state === 'request') { c.state = 'failed'; c.why = `no answer in ${opt.deadline} s`; }
      finish();
      return;
    }
    for (const c of clients) {
      if ((c.state !== 'discover' && c.state !== 'request') || now - c.sent < retryMs) continue;
      if (c.tries >= maxTries) {
        c.why = `no ${c.state === 'discover' ? 'OFFER' : 'ACK'} after ${maxTries} tries`;
        c.state = 'failed';
        continue;
      }
      retransmitted[c.state]++;
      send(c, c.state === 'discover' ? DISCOVER : REQUEST);
    }
    check();
  }, 50);
});
