"""SageMaker's built-in Sequence-to-Sequence algorithm, in PyTorch.

A tuning job whose `TrainingImage` is `seq2seq` runs `python -m trimtab.algorithms.seq2seq`
(`__main__.py`) under the training-container contract: it reads `hyperparameters.json` and the
`train`, `validation` and `vocab` channels (RecordIO-protobuf records and JSON vocabularies,
byte for byte as SageMaker's preparation script writes them), trains an RNN or CNN
encoder-decoder (`training.py`, `fit.py`), prints its metrics at every checkpoint and leaves
the best checkpoint in the model folder.

Importing this package is light: torch is only imported by the modules that train and decode.
"""

from __future__ import annotations

import os

CHANNELS = ("train", "validation", "vocab")
SOURCE_VOCAB = "vocab.src.json"
TARGET_VOCAB = "vocab.trg.json"


def prefer_sleeping_threads() -> None:
    """Before torch loads: let idle OpenMP threads sleep rather than spin.

    Parallel training jobs (and anything else) share the CPU cores; threads that spin while
    a sibling is descheduled made CPU steps 10-20x slower here. An explicit
    `OMP_WAIT_POLICY` (say, in the job's Environment) wins; once torch is loaded it is too
    late, and nothing changes.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
