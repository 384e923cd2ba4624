"""How this machine runs trimtab: the home folder and the settings for training jobs.

None of this is part of a tuning job's request: the same job may run with another interpreter
or grace period elsewhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def default_home() -> Path:
    """`TRIMTAB_HOME` if set, else ``~/.trimtab``: where the database and job folders live."""
    return Path(os.environ.get("TRIMTAB_HOME") or "~/.trimtab").expanduser().absolute()


@dataclass(frozen=True)
class Settings:
    """How this machine runs training jobs."""

    python: str = ""  # interpreter for script-mode entry points; "" = the one running trimtab
    stop_grace_seconds: float = 120.0  # SIGTERM, then SIGKILL after this long (as SageMaker)
    poll_interval: float = 0.1  # seconds between two looks at the running training jobs
    # Training jobs at once on this machine, over every tuning job (None: no machine-wide cap).
    max_training_jobs: int | None = None

    @classmethod
    def from_env(cls) -> Settings:
        """Defaults, overridden by TRIMTAB_PYTHON, TRIMTAB_STOP_GRACE_SECONDS and
        TRIMTAB_MAX_TRAINING_JOBS (default: one per CPU; 0 for no cap)."""
        grace = os.environ.get("TRIMTAB_STOP_GRACE_SECONDS")
        cap = int(os.environ.get("TRIMTAB_MAX_TRAINING_JOBS") or os.cpu_count() or 1)
        return cls(
            python=os.environ.get("TRIMTAB_PYTHON", ""),
            stop_grace_seconds=float(grace) if grace else cls.stop_grace_seconds,
            max_training_jobs=cap or None,
        )
