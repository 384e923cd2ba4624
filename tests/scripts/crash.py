"""crash.py: prints `loss=2.0`, writes `$SM_OUTPUT_DIR/failure` and exits 1.

The failure file holds exactly `ValueError: learning rate too high, loss diverged`, which
SageMaker reports as the training job's FailureReason.
"""

import os
import sys

print("epoch=1 loss=2.0", flush=True)
with open(os.path.join(os.environ["SM_OUTPUT_DIR"], "failure"), "w") as f:
    f.write("ValueError: learning rate too high, loss diverged")
sys.exit(1)
