"""checkpoint.py: resumes from a checkpoint, advances it one step, prints `step=<n> loss=<1/n>`.

The checkpoint is `step.txt` in `--checkpoint-dir` (default `$SAGEMAKER_BASE_DIR/checkpoints`,
i.e. SageMaker's /opt/ml/checkpoints): it holds the last step (0 when absent); the script writes
step + 1 back, prints `step=<step+1> loss=<1/(step+1)>` and exits 0.
"""

import argparse
import os

parser = argparse.ArgumentParser()
default = os.path.join(os.environ.get("SAGEMAKER_BASE_DIR", "/opt/ml"), "checkpoints")
parser.add_argument("--checkpoint-dir", default=default)
args, _ = parser.parse_known_args()

path = os.path.join(args.checkpoint_dir, "step.txt")
step = 0
if os.path.exists(path):
    with open(path) as f:
        step = int(f.read())
step += 1
os.makedirs(args.checkpoint_dir, exist_ok=True)
with open(path, "w") as f:
    f.write(str(step))
print(f"step={step} loss={1 / step}")
