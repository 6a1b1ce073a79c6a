#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# favicon-ico: draws data/web/favicon.svg (a white shield on a blue rounded
# square) as the 32x32 data/web/favicon.ico that browsers ask for on pages
# without an icon link (a PDF report, an API reply). No image library: the
# two shapes are sampled 4x4 per pixel. Usage: favicon-ico.py OUT.ico
import struct
import sys

SIZE, SUB = 32, 4
BLUE = (0x1D, 0x4F, 0x91)


def cubic(p0, p1, p2, p3, steps=16):
    return [tuple((1 - t) ** 3 * a + 3 * (1 - t) ** 2 * t * b + 3 * (1 - t) * t * t * c + t ** 3 * d
                  for a, b, c, d in zip(p0, p1, p2, p3))
            for t in (i / steps for i in range(1, steps + 1))]


# The SVG's path: M16 5l9 4v6c0 6-4 10-9 12-5-2-9-6-9-12V9z
SHIELD = [(16, 5), (25, 9), (25, 15)] + cubic((25, 15), (25, 21), (21, 25), (16, 27)) + \
    cubic((16, 27), (11, 25), (7, 21), (7, 15)) + [(7, 9)]


def inside(poly, x, y):
    hit = False
    for (x1, y1), (x2, y2) in zip(poly, poly[1:] + poly[:1]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def in_square(x, y, r=6):
    cx = min(max(x, r), SIZE - r)
    cy = min(max(y, r), SIZE - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def pixel(px, py):
    bg = white = 0
    for i in range(SUB):
        for j in range(SUB):
            x, y = px + (i + 0.5) / SUB, py + (j + 0.5) / SUB
            if in_square(x, y):
                if inside(SHIELD, x, y):
                    white += 1
                else:
                    bg += 1
    n = SUB * SUB
    alpha = (bg + white) / n
    if alpha == 0:
        return (0, 0, 0, 0)
    share = white / (bg + white)
    rgb = [round(c + (255 - c) * share) for c in BLUE]
    return (rgb[2], rgb[1], rgb[0], round(255 * alpha))  # BGRA


def ico():
    rows = [b''.join(bytes(pixel(x, y)) for x in range(SIZE)) for y in range(SIZE)]
    xor = b''.join(reversed(rows))  # bottom-up
    mask = bytes(4 * SIZE)  # 1 bit per pixel, rows padded to 4 bytes; alpha decides
    header = struct.pack('<IiiHHIIiiII', 40, SIZE, 2 * SIZE, 1, 32, 0, len(xor) + len(mask), 0, 0, 0, 0)
    image = header + xor + mask
    return struct.pack('<HHH', 0, 1, 1) + struct.pack('<BBBBHHII', SIZE, SIZE, 0, 0, 1, 32, len(image), 22) + image


if __name__ == '__main__':
    with open(sys.argv[1], 'wb') as f:
        f.write(ico())
