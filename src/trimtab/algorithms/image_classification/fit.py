"""The epochs of a training job: train, validate, report, schedule, keep, stop.

Each epoch prints its metric lines, steps the learning-rate schedule, saves the weights when
validation accuracy is the best so far (the model SageMaker keeps without
`checkpoint_frequency`), saves every N-th epoch's weights with it, saves the training state to
the checkpoints folder, and asks the early-stopping rule whether to go on.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from trimtab.algorithms.image_classification import artifacts
from trimtab.algorithms.image_classification.epoch import Trainer
from trimtab.algorithms.image_classification.evaluation import report
from trimtab.algorithms.image_classification.hyperparameters import HyperParameters
from trimtab.algorithms.image_classification.pipeline import Batches
from trimtab.algorithms.image_classification.stopping import EarlyStopping

logger = logging.getLogger(__name__)


def unwrap(model: nn.Module) -> nn.Module:
    """The network itself, without its DataParallel wrapper."""
    inner = getattr(model, "module", None)
    return inner if isinstance(inner, nn.Module) else model


@dataclass
class Progress:
    """What is carried from epoch to epoch (and across a restart, in the checkpoint)."""

    epoch: int = 0  # the next epoch to run, 0-based
    best_accuracy: float | None = None
    best_epoch: int = 0


class Fit:
    def __init__(
        self,
        hp: HyperParameters,
        trainer: Trainer,
        scheduler: torch.optim.lr_scheduler.LRScheduler | None,
        model_dir: Path,
        checkpoint_dir: Path,
        run_key: str,
    ) -> None:
        self.hp = hp
        self.trainer = trainer
        self.scheduler = scheduler
        self.model_dir = model_dir
        self.checkpoint_dir = checkpoint_dir
        self.run_key = run_key
        self.progress = Progress()
        self.stopper = EarlyStopping(
            hp.early_stopping_min_epochs, hp.early_stopping_patience, hp.early_stopping_tolerance
        )

    @property
    def network(self) -> nn.Module:
        return unwrap(self.trainer.model)

    def resume(self) -> bool:
        """Continue from the checkpoints folder when it holds this very run's state."""
        state = artifacts.load_state(self.checkpoint_dir, self.run_key)
        if state is None:
            return False
        self.network.load_state_dict(state["model"])
        self.trainer.load_state_dict(state["trainer"])
        if self.scheduler is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        self.progress = Progress(**state["progress"])
        self.stopper = EarlyStopping(**state["stopper"])
        logger.info("resuming from the checkpoint of epoch %d", self.progress.epoch)
        return True

    def run(self, train: Batches, validation: Batches) -> Progress:
        while self.progress.epoch < self.hp.epochs:
            if self.epoch(self.progress.epoch, train, validation):
                logger.info("early stopping after epoch %d", self.progress.epoch - 1)
                break
        return self.progress

    def epoch(self, epoch: int, train: Batches, validation: Batches) -> bool:
        """Run epoch `epoch` (0-based); True when early stopping ends training."""
        trained = self.trainer.train_epoch(train)
        report(epoch, "Train", trained.results)
        logger.info("Epoch[%d] Time cost=%.3f", epoch, trained.seconds)
        logger.info("Epoch[%d] Speed: %.2f samples/sec", epoch, trained.speed)
        validated = self.trainer.evaluate(validation)
        report(epoch, "Validation", validated.results)
        if self.scheduler is not None:
            self.scheduler.step()
        accuracy = validated.results["accuracy"]
        number = epoch + 1
        if self.progress.best_accuracy is None or accuracy > self.progress.best_accuracy:
            self.progress.best_accuracy, self.progress.best_epoch = accuracy, number
            self._save_model(number, accuracy)
        if self.hp.checkpoint_frequency and number % self.hp.checkpoint_frequency == 0:
            for folder in (self.model_dir, self.checkpoint_dir):
                folder.mkdir(parents=True, exist_ok=True)
                artifacts.save_weights(
                    self.network.state_dict(), folder / artifacts.epoch_weights(number)
                )
        self.progress.epoch = number
        stop = self.hp.early_stopping and self.stopper.update(accuracy)
        self._save_state()
        return stop

    def _save_model(self, epoch: int, accuracy: float) -> None:
        settings = artifacts.ModelSettings(
            num_layers=self.hp.num_layers,
            num_classes=self.hp.num_classes,
            image_shape=self.hp.image_shape,
            multi_label=self.hp.multi_label,
            resize=self.hp.resize,
            epoch=epoch,
            validation_accuracy=accuracy,
            hyperparameters=self.hp.to_json(),
        )
        artifacts.save_model(self.model_dir, self.network.state_dict(), settings)

    def _save_state(self) -> None:
        state: dict[str, Any] = {
            "key": self.run_key,
            "model": self.network.state_dict(),
            "trainer": self.trainer.state_dict(),
            "scheduler": self.scheduler.state_dict() if self.scheduler is not None else None,
            "progress": asdict(self.progress),
            "stopper": asdict(self.stopper),
        }
        artifacts.save_state(self.checkpoint_dir, state)
