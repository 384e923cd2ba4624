"""Process pools for the benchmarks: independent runs spread over the machine's cores."""

from __future__ import annotations

import os


def one_thread() -> None:
    """Worker setup: one thread per process, so parallel workers do not fight over cores."""
    os.environ["OMP_NUM_THREADS"] = "1"
    import torch

    torch.set_num_threads(1)
