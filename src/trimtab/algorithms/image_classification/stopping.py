"""The algorithm's own early stopping (`early_stopping=True`), on validation accuracy.

SageMaker's rule: from `early_stopping_min_epochs` on, stop once `early_stopping_patience`
epochs in a row brought no improvement, an improvement being a rise over the best accuracy so
far by at least `early_stopping_tolerance` of it (relative). Pure, so it is tested without
training and its state goes into checkpoints.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class EarlyStopping:
    min_epochs: int
    patience: int
    tolerance: float
    best: float | None = None
    epochs: int = 0
    stale: int = 0  # epochs in a row without improvement

    def improved(self, accuracy: float) -> bool:
        if self.best is None:
            return True
        gain = accuracy - self.best
        return gain > 0 and (self.best == 0 or gain / self.best >= self.tolerance)

    def update(self, accuracy: float) -> bool:
        """Record one epoch's validation accuracy; True when training should stop now."""
        self.epochs += 1
        if self.improved(accuracy):
            self.best, self.stale = accuracy, 0
        else:
            self.stale += 1
        return self.epochs >= self.min_epochs and self.stale >= self.patience
