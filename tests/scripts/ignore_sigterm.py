"""ignore_sigterm.py: ignores SIGTERM, prints `ready loss=1.0`, then sleeps forever.

Only SIGKILL ends it, so a stop takes the whole grace period. Prints `ignoring SIGTERM` for each
SIGTERM it gets.
"""

import signal
import time


def ignore(signum: int, frame: object) -> None:
    print("ignoring SIGTERM", flush=True)


signal.signal(signal.SIGTERM, ignore)
print("ready loss=1.0", flush=True)
while True:
    time.sleep(3600)
