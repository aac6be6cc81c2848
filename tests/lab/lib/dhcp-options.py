#!/usr/bin/python3
# One DHCPDISCOVER as a ROM that takes no more than a 576-byte reply sends it
# (option 57 = 576), asking for every option the server has: then every option
# of the first reply, one line each, as the ROM would find them:
#   option CODE LENGTH      in the options field, in order
#   sname-options           when the reply puts options in the sname or file field (option 52)
#   file LENGTH ended|unended  the boot file name in the file field, and whether a NUL ends it
# Usage: dhcp-options.py INTERFACE MAC VENDOR-CLASS SERVER-PORT SECONDS
# (sent from SERVER-PORT + 1 to the broadcast address, bound to INTERFACE)
import random
import select
import socket
import struct
import sys
import time

ifname, mac, vendor, port, secs = sys.argv[1], sys.argv[2], sys.argv[3].encode(), int(sys.argv[4]), float(sys.argv[5])
SO_BINDTODEVICE = 25
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, ifname.encode())
s.bind(('0.0.0.0', port + 1))
xid = random.randrange(1 << 31)
# op, htype, hlen, hops, xid, secs, flags (broadcast); ciaddr..giaddr; chaddr; sname; file
msg = struct.pack('!BBBBIHH', 1, 1, 6, 0, xid, 0, 0x8000) + bytes(16) + bytes.fromhex(mac.replace(':', '')) + bytes(10) + bytes(192)
wanted = [1, 3, 6, 7, 12, 15, 17, 28, 42, 51, 54, 58, 59, 128, 129]
msg += struct.pack('!I', 0x63825363) + bytes([53, 1, 1, 57, 2, 2, 64, 60, len(vendor)]) + vendor + bytes([55, len(wanted)] + wanted + [255])
s.sendto(msg, ('255.255.255.255', port))
# the reply to this DISCOVER (its xid), within SECONDS and 50 packets heard
deadline = time.monotonic() + secs
for _ in range(50):
    left = deadline - time.monotonic()
    ready = select.select([s], [], [], max(left, 0))[0] if left > 0 else []
    if not ready:
        break
    data = s.recv(4096)
    if len(data) > 240 and struct.unpack('!I', data[4:8])[0] == xid:
        break
else:
    ready = []
if not ready:
    print('no reply')
    sys.exit(1)
print(f'reply {len(data)} bytes')
field = data[108:236]
print(f"file {len(field.split(bytes(1))[0])} {'ended' if 0 in field else 'unended'}")
opts, i = data[240:], 0
while i < len(opts) and opts[i] != 255:
    if opts[i] == 0:
        i += 1
        continue
    code, length = opts[i], opts[i + 1]
    print(f'option {code} {length}')
    if code == 52:
        print('sname-options')
    i += 2 + length
