"""hang.py: prints `loss=1.0`, then sleeps forever with default signal handling.

SIGTERM ends it (stop, MaxRuntimeInSeconds).
"""

import time

print("epoch=1 loss=1.0", flush=True)
while True:
    time.sleep(3600)
