"""flood.py: writes about 50 MB of log as fast as it can, then `loss=0.125`, and exits 0.

The flood is 500 000 lines of 100 bytes (`line <n> ` padded with `x`), none matching `loss=`.
"""

import sys

out = sys.stdout.buffer
chunk = []
for n in range(500_000):
    chunk.append(f"line {n} ".ljust(99, "x").encode() + b"\n")
    if len(chunk) == 10_000:
        out.write(b"".join(chunk))
        chunk = []
out.write(b"".join(chunk))
out.write(b"epoch=1 loss=0.125\n")
out.flush()
