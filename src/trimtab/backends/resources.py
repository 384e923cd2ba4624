"""Local resources: how many GPUs an instance type means, and which ones a training job gets.

SageMaker gives each training job its own instance; locally, jobs share one machine. An
`InstanceType` is therefore read as a GPU request, per this table (GPUs per instance):

| Family | GPU | Sizes: GPUs |
| --- | --- | --- |
| ml.p2 | K80 | xlarge: 1, 8xlarge: 8, 16xlarge: 16 |
| ml.p3 / ml.p3dn | V100 | 2xlarge: 1, 8xlarge: 4, 16xlarge: 8 / 24xlarge: 8 |
| ml.p4d / ml.p4de | A100 | 24xlarge: 8 |
| ml.p5 / ml.p5e / ml.p5en | H100 / H200 | 48xlarge: 8 |
| ml.g4dn | T4 | xlarge to 16xlarge: 1, 12xlarge: 4 |
| ml.g5 / ml.g6 / ml.g6e | A10G / L4 / L40S | xlarge to 16xlarge: 1, 12/24xlarge: 4, 48xlarge: 8 |

Every other type (ml.m5, ml.c5, `local`, ...) asks for no GPU; `local_gpu` (SageMaker local mode's
name) asks for every GPU of the machine. A job that asks for more GPUs than the machine has gets
all of them.
"""

from __future__ import annotations

import functools
import logging
import os
import subprocess
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

logger = logging.getLogger(__name__)


def _family(prefix: str, sizes: Mapping[str, int]) -> dict[str, int]:
    return {f"ml.{prefix}.{size}": gpus for size, gpus in sizes.items()}


_SINGLE_GPU_SIZES: Final = ("xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge")
_G5_SIZES: Final = {
    **dict.fromkeys(_SINGLE_GPU_SIZES, 1),
    "12xlarge": 4,
    "24xlarge": 4,
    "48xlarge": 8,
}

GPUS_PER_INSTANCE: Final[Mapping[str, int]] = {
    **_family("p2", {"xlarge": 1, "8xlarge": 8, "16xlarge": 16}),
    **_family("p3", {"2xlarge": 1, "8xlarge": 4, "16xlarge": 8}),
    **_family("p3dn", {"24xlarge": 8}),
    **_family("p4d", {"24xlarge": 8}),
    **_family("p4de", {"24xlarge": 8}),
    **_family("p5", {"48xlarge": 8}),
    **_family("p5e", {"48xlarge": 8}),
    **_family("p5en", {"48xlarge": 8}),
    **_family("g4dn", {**dict.fromkeys(_SINGLE_GPU_SIZES, 1), "12xlarge": 4}),
    **_family("g5", _G5_SIZES),
    **_family("g6", _G5_SIZES),
    **_family("g6e", _G5_SIZES),
}


def gpus_wanted(instance_type: str, local_gpus: int) -> int:
    """GPUs a job on `instance_type` asks for, given the machine has `local_gpus`."""
    if instance_type == "local_gpu":
        return local_gpus
    return GPUS_PER_INSTANCE.get(instance_type, 0)


@functools.cache
def local_gpus() -> tuple[str, ...]:
    """The GPU ids jobs may be given: `CUDA_VISIBLE_DEVICES` entries when trimtab itself runs with
    one, else `0..n-1` for the `GPU ` lines of `nvidia-smi --list-gpus` (none without it).

    Cached: the answer does not change while trimtab runs, and nvidia-smi takes a while.
    """
    try:
        listing = subprocess.run(
            ["nvidia-smi", "--list-gpus"], capture_output=True, text=True, timeout=20, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        logger.debug("no GPUs detected (nvidia-smi missing or failing)")
        return ()
    count = sum(1 for line in listing.splitlines() if line.startswith("GPU "))
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if count and visible is not None:
        return tuple(g.strip() for g in visible.split(",") if g.strip())
    return tuple(str(i) for i in range(count))


def assign_gpus(wanted: int, gpus: Sequence[str], held: Iterable[Sequence[str]]) -> tuple[str, ...]:
    """The GPUs for a job that asks for `wanted`, given the ids other running jobs hold.

    Free GPUs first; when there are not enough, the least-loaded ones are shared (ties go to the
    lower position in `gpus`). Returns them in `gpus` order; empty when nothing is wanted or the
    machine has none.
    """
    count = min(wanted, len(gpus))
    if count <= 0:
        return ()
    load = Counter(g for job in held for g in job)
    position = {g: i for i, g in enumerate(gpus)}
    chosen = sorted(gpus, key=lambda g: (load[g], position[g]))[:count]
    return tuple(sorted(chosen, key=position.__getitem__))
