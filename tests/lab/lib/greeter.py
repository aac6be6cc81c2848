#!/usr/bin/python3
"""The lab's eyes on a thin client's screen.

  greeter.py shot SOCKET OUT.png   screendump through QEMU's monitor socket, as PNG
  greeter.py check IMAGE           exit 0 when xdm's greeter is on the screen, 1 when not

The check looks for the greeter's structure, not for its words: on a uniform
root window (the colour of the screen's border), a panel of one colour that
is not the root's, roughly centred and clear of the screen's edges, on a
graphics mode screen (not VGA text mode), at least 200 x 100 pixels, filling most
of its bounding box, with lines of text (pixels of another colour) in at
least three separate rows: the greeting, "Login:" and "Password:". A blank
screen has no panel; a text console has text from its left edge on the
background colour and no panel; X without a greeter shows its root window
and at most a cursor.
"""
import os
import socket
import sys
import time
from collections import Counter

from PIL import Image


def shot(sock_path, out):
    ppm = out + ".ppm"
    if os.path.exists(ppm):
        os.unlink(ppm)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(20)
    s.connect(sock_path)
    s.recv(4096)  # the monitor's banner
    s.sendall(("screendump %s\n" % ppm).encode())
    deadline = time.time() + 20
    size = -1
    # QEMU writes the file before it answers; wait until it stops growing
    while time.time() < deadline:
        time.sleep(0.2)
        if os.path.exists(ppm):
            now = os.path.getsize(ppm)
            if now == size and now > 0:
                break
            size = now
    s.close()
    Image.open(ppm).convert("RGB").save(out)
    os.unlink(ppm)


def features(path):
    img = Image.open(path).convert("RGB")
    w, h = img.size
    px = img.load()
    border = Counter()
    for x in range(w):
        border[px[x, 0]] += 1
        border[px[x, h - 1]] += 1
    for y in range(h):
        border[px[0, y]] += 1
        border[px[w - 1, y]] += 1
    bg = border.most_common(1)[0][0]
    xs, ys = [], []
    for y in range(h):
        for x in range(w):
            if px[x, y] != bg:
                xs.append(x)
                ys.append(y)
    f = {"size": (w, h), "background": bg, "box": None}
    if not xs:
        return f
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    bw, bh = x1 - x0 + 1, y1 - y0 + 1
    f["box"] = (x0, y0, bw, bh)
    inside = Counter(px[x, y] for y in range(y0, y1 + 1) for x in range(x0, x1 + 1))
    panel, count = inside.most_common(1)[0]
    f["panel"] = panel
    f["panel_share"] = round(count / (bw * bh), 3)
    # rows of the panel holding "ink": neither the panel's colour nor the root's
    inner = [y for y in range(y0 + 4, y1 - 3)
             if sum(1 for x in range(x0 + 4, x1 - 3) if px[x, y] not in (panel, bg)) >= 3]
    runs, last = 0, None
    for y in inner:
        if last is None or y != last + 1:
            runs += 1
        last = y
    f["text_rows"] = runs
    f["centre_offset"] = (round((x0 + bw / 2) / w - 0.5, 3), round((y0 + bh / 2) / h - 0.5, 3))
    return f


def is_greeter(f):
    if f["box"] is None:
        return False, "the screen is one colour"
    _, _, bw, bh = f["box"]
    w, h = f["size"]
    if bw < 200 or bh < 100:
        return False, "nothing larger than %dx%d on the root window" % (bw, bh)
    if w * h <= 720 * 400:
        return False, "a %dx%d screen is VGA text mode (firmware, boot loader or console), not X" % (w, h)
    x0, y0 = f["box"][:2]
    if x0 < 0.05 * w or y0 < 0.05 * h or x0 + bw > 0.95 * w or y0 + bh > 0.95 * h:
        return False, "the content reaches the screen's edge (a console or a menu, not a panel)"
    if f["panel"] == f["background"] or f["panel_share"] < 0.5:
        return False, "no panel of its own colour (most common colour covers %.0f%%)" % (100 * f["panel_share"])
    if max(abs(c) for c in f["centre_offset"]) > 0.15:
        return False, "the panel is not centred (offset %s)" % (f["centre_offset"],)
    if f["text_rows"] < 3:
        return False, "the panel has %d line(s) of text, expected at least 3" % f["text_rows"]
    return True, "greeter panel %dx%d at %s, %d lines of text" % (bw, bh, f["box"][:2], f["text_rows"])


def main(argv):
    if len(argv) == 4 and argv[1] == "shot":
        shot(argv[2], argv[3])
        return 0
    if len(argv) == 3 and argv[1] == "check":
        f = features(argv[2])
        ok, why = is_greeter(f)
        print(("greeter: " if ok else "no greeter: ") + why + "; " + repr(f))
        return 0 if ok else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
