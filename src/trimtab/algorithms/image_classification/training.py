"""One training job, from validated hyperparameters and channels to the model folder.

Reads the channels' images, builds the ResNet (starting from the `model` channel's weights
when there is one, `incremental.py`), its optimizer and its data pipeline on the machine's
GPUs (all of them, through DataParallel, which splits each mini-batch as SageMaker does) or
its CPU, and runs the epochs (`fit.py`), resuming from the checkpoints folder when it holds
this very run's state.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn

from trimtab.algorithms.image_classification import channels, incremental, pipeline, resnet
from trimtab.algorithms.image_classification.artifacts import run_key
from trimtab.algorithms.image_classification.channels import ChannelConfig
from trimtab.algorithms.image_classification.epoch import Trainer
from trimtab.algorithms.image_classification.fit import Fit
from trimtab.algorithms.image_classification.hyperparameters import HyperParameters, Precision
from trimtab.algorithms.image_classification.images import Cropper
from trimtab.algorithms.image_classification.optim import make_optimizer, make_scheduler
from trimtab.algorithms.image_classification.sources import Source

logger = logging.getLogger(__name__)
SEED = 0
GPU_DATA_SHARE = 0.25  # keep a decoded data set on the GPU when it takes at most this share


def _notes(hp: HyperParameters, cuda: bool) -> None:
    """Settings that mean nothing here, said once in the log rather than silently ignored."""
    if hp.precision_dtype is Precision.FLOAT16 and not cuda:
        logger.warning("precision_dtype=float16 needs a GPU: training in float32 on the CPU")
    if hp.kv_store is not None:
        logger.info("kv_store=%s: one machine, nothing to synchronise", hp.kv_store)
    if hp.use_weighted_loss and not hp.multi_label:
        logger.warning("use_weighted_loss applies to multi_label=1 only: ignored")
    if hp.top_k is not None and hp.multi_label:
        logger.warning("top_k applies to single-label classification only: ignored")


def loss_function(hp: HyperParameters, train: Source) -> nn.Module:
    """Cross-entropy; for multi-label, binary cross-entropy per class, weighted by the
    classes' rarity in the training set with `use_weighted_loss`."""
    if not hp.multi_label:
        return nn.CrossEntropyLoss()
    if not hp.use_weighted_loss:
        return nn.BCEWithLogitsLoss()
    targets = torch.from_numpy(train.targets)
    positives = targets.sum(0).clamp(min=1)
    return nn.BCEWithLogitsLoss(pos_weight=(len(targets) - positives) / positives)


def _place_on_gpu(batches: pipeline.Batches, device: torch.device) -> pipeline.Batches:
    if device.type == "cuda" and isinstance(batches, pipeline.TensorBatches):
        free, _ = torch.cuda.mem_get_info(device)
        if batches.images.nbytes <= GPU_DATA_SHARE * free:
            return batches.to(device)
    return batches


def _on_device(model: nn.Module, device: torch.device, gpus: int) -> nn.Module:
    """Move `model` to `device`; on GPUs channels-last, and DataParallel over several."""
    model.to(device)
    if device.type != "cuda":
        return model
    model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    torch.backends.cudnn.benchmark = True
    return nn.DataParallel(model) if gpus > 1 else model


def run_training(
    hp: HyperParameters,
    configs: Mapping[str, ChannelConfig],
    model_dir: Path,
    checkpoint_dir: Path,
) -> None:
    """Train; the best epoch's model goes to `model_dir`, the training state of the last one
    to `checkpoint_dir`. Raises ClientError for the user's mistakes."""
    torch.manual_seed(SEED)
    cuda = torch.cuda.is_available()
    device = torch.device("cuda" if cuda else "cpu")
    gpus = torch.cuda.device_count() if cuda else 0
    _notes(hp, cuda)
    train_source, validation_source = channels.load(configs, hp)
    logger.info(
        "%d training and %d validation images; ResNet-%d, image_shape %s, on %s",
        len(train_source),
        len(validation_source),
        hp.num_layers,
        ",".join(map(str, hp.image_shape)),
        f"{gpus} GPU(s)" if cuda else f"the CPU ({torch.get_num_threads()} threads)",
    )
    model = resnet.build(hp.num_layers, hp.num_classes, hp.channels)
    incremental.apply(model, hp, configs["model"].folder if "model" in configs else None)
    network = _on_device(model, device, gpus)
    optimizer = make_optimizer(model, hp)
    trainer = Trainer(
        network,
        optimizer,
        loss_function(hp, train_source).to(device),
        device,
        hp.channels,
        multi_label=hp.multi_label,
        top_k=hp.top_k,
        float16=hp.precision_dtype is Precision.FLOAT16,
    )
    settings = pipeline.Settings.from_hyperparameters(
        hp,
        workers=pipeline.default_workers(),
        pin_memory=cuda,
        cache_bytes=pipeline.default_cache_bytes(),
    )
    h, w = hp.height_width
    train = pipeline.batches(
        train_source, settings, Cropper(h, w, hp.augmentation_type), train=True, seed=SEED
    )
    validation = pipeline.batches(validation_source, settings, Cropper(h, w), train=False)
    key = run_key(hp.to_json(), {"train": len(train_source), "validation": len(validation_source)})
    fit = Fit(hp, trainer, make_scheduler(optimizer, hp), model_dir, checkpoint_dir, key)
    fit.resume()
    progress = fit.run(_place_on_gpu(train, device), _place_on_gpu(validation, device))
    logger.info(
        "best validation accuracy %f at epoch %d: saved to model/",
        progress.best_accuracy,
        progress.best_epoch,
    )
