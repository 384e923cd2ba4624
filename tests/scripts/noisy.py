"""noisy.py: a messy log, then `loss=0.25` as its last line and exit 0.

Writes invalid UTF-8 bytes, a 300 000-character line, tabs, carriage-return progress bars, ANSI
colours, a multibyte character split across two writes, lines that almost match `loss=` (none of
them match the regex `loss=([-+0-9.eEnaNinf]+)`), and stderr interleaved with stdout.
"""

import sys
import time
from typing import BinaryIO

out, err = sys.stdout.buffer, sys.stderr.buffer


def emit(stream: BinaryIO, data: bytes) -> None:
    stream.write(data)
    stream.flush()


emit(out, b"garbage \xff\xfe\x80 bytes \xc3\x28 and \xed\xa0\x80 surrogate\n")
emit(err, b"warning: something on stderr\n")
emit(out, b"x" * 300_000 + b"\n")
emit(out, b"col1\tcol2\tloss\t0.9\n")
emit(out, b"progress 10%\rprogress 50%\rprogress 100%\n")
emit(out, b"\x1b[31mred text\x1b[0m\n")
emit(out, b"split char: \xc3")
time.sleep(0.05)
emit(out, b"\xa9 done\n")
for near_miss in (b"loss = 0.5", b"loss:0.5", b"Loss=0.5", b"los=0.5", b"loss= 0.5", b"loss=\n"):
    emit(out, near_miss + b"\n")
    emit(err, b"stderr line between\n")
emit(out, b"\x00\x01\x02 control bytes\n")
emit(out, b"epoch=1 loss=0.25\n")
