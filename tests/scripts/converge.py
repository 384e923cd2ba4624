"""converge.py: a well-behaved script-mode training job whose loss converges.

Contract: reads `SM_CHANNEL_TRAIN` (if set; counts its files) and `SM_MODEL_DIR`; takes `--x`
(float) and `--y` (int), also spelt `-x`/`-y` as the toolkit passes one-letter names, plus
`--epochs` (int, default 3) and `--sleep` (float seconds per epoch, default 0.0). Prints
`epoch=<e> loss=<v>` for e = 1..epochs, sleeping `--sleep` before each; the loss approaches and,
at the last epoch, equals `(x - 0.3)**2 + (y - 2)**2 / 10` (best: x=0.3, y=2, loss 0). Writes
`model.json` ({"x", "y", "loss"}) into the model dir and exits 0.
"""

import argparse
import json
import os
import time

parser = argparse.ArgumentParser()
# The toolkit passes one-letter hyperparameters as `-x value`; accept both spellings.
parser.add_argument("-x", "--x", type=float, required=True)
parser.add_argument("-y", "--y", type=int, required=True)
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--sleep", type=float, default=0.0)
args, _ = parser.parse_known_args()

train = os.environ.get("SM_CHANNEL_TRAIN")
if train:
    files = [f for _, _, names in os.walk(train) for f in names]
    print(f"train channel {train}: {len(files)} files")

final = (args.x - 0.3) ** 2 + (args.y - 2) ** 2 / 10
loss = final
for epoch in range(1, args.epochs + 1):
    time.sleep(args.sleep)
    loss = final + (args.epochs - epoch) / args.epochs
    print(f"epoch={epoch} loss={loss}", flush=True)

with open(os.path.join(os.environ["SM_MODEL_DIR"], "model.json"), "w") as f:
    json.dump({"x": args.x, "y": args.y, "loss": loss}, f)
