"""show_contract.py: dumps what the container contract gave it, then prints `loss=0.0`.

Writes `$SM_MODEL_DIR/contract.json`: {"argv": sys.argv[1:], "cwd": os.getcwd(), "env": every
variable named SM_*, TRAINING_*, SAGEMAKER_*, CURRENT_HOST, CUDA_VISIBLE_DEVICES, PYTHONUNBUFFERED
or PYTHONPATH, "channels": {channel: sorted file paths relative to its folder}}. Exits 0.
"""

import json
import os
import sys

PREFIXES = ("SM_", "TRAINING_", "SAGEMAKER_")
NAMES = ("CURRENT_HOST", "CUDA_VISIBLE_DEVICES", "PYTHONUNBUFFERED", "PYTHONPATH")
env = {k: v for k, v in os.environ.items() if k.startswith(PREFIXES) or k in NAMES}
channels = {}
for name in json.loads(os.environ.get("SM_CHANNELS", "[]")):
    top = os.environ["SM_CHANNEL_" + name.upper()]
    channels[name] = sorted(
        os.path.relpath(os.path.join(folder, f), top)
        for folder, _, files in os.walk(top)
        for f in files
    )
contract = {"argv": sys.argv[1:], "cwd": os.getcwd(), "env": env, "channels": channels}
with open(os.path.join(os.environ["SM_MODEL_DIR"], "contract.json"), "w") as f:
    json.dump(contract, f, indent=1, sort_keys=True)
print("loss=0.0")
