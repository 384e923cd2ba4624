"""Seq2Seq: training throughput against a bare PyTorch loop of the same model, and the
example's goal (BLEU >= 95 on held-out data within 10 minutes of CPU training).

Throughput: the algorithm's `Trainer` (bucketed batches drawn each step, gradient clipping,
metric accumulation, one checkpoint at the end on a small validation set) and a bare loop
(the same model, initialisation, optimizer, clipping and batches, made in advance) train for
the same updates; runs alternate and the median of each is kept, since other processes may
share the machine. Tokens are target tokens (`</s>` included, padding not).

Goal: one training job of the example's task with the example's static hyperparameters and
a middle-of-the-ranges choice of the tuned ones; the time at which a checkpoint first reaches
validation BLEU 95, then the final model's BLEU on the held-out test sentences.

    python -m benchmarks.seq2seq [--updates 200] [--repeats 5] [--threads N] [--cpu]
                                 [--skip-goal] [--sagemaker-defaults] [--no-write]
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from trimtab.algorithms.seq2seq import prefer_sleeping_threads

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "seq2seq"
# The example's task and the hyperparameters its tuning job fixes, plus mid-range choices.
EXAMPLE_HP = {
    "num_embed_source": "64",
    "num_embed_target": "64",
    "rnn_num_hidden": "128",
    "rnn_attention_type": "mlp",
    "max_seq_len_source": "16",
    "max_seq_len_target": "10",
    "bucket_width": "4",
    "batch_size": "64",
    "learning_rate": "0.003",
}
CONFIGS = {
    "example (LSTM 128, mlp attention)": {**EXAMPLE_HP},
    "GRU 256 x2 layers, dot attention": {
        **EXAMPLE_HP,
        "rnn_num_hidden": "256",
        "rnn_cell_type": "gru",
        "num_layers_encoder": "2",
        "num_layers_decoder": "2",
        "rnn_attention_type": "dot",
    },
    "CNN encoder + CNN decoder (GLU)": {
        **EXAMPLE_HP,
        "encoder_type": "cnn",
        "decoder_type": "cnn",
        "cnn_num_hidden": "128",
        "num_layers_encoder": "3",
        "num_layers_decoder": "3",
    },
}
SAGEMAKER_DEFAULTS = {  # the algorithm's own defaults: a GPU-sized model
    "SageMaker defaults (LSTM 1024, embed 512, mlp)": {
        "max_seq_len_source": "16",
        "max_seq_len_target": "10",
        "bucket_width": "4",
    },
}


def _generator() -> ModuleType:
    """The example's data generator (a script, not a package)."""
    spec = importlib.util.spec_from_file_location("generate_data", EXAMPLE / "generate_data.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_data(folder: Path) -> Path:
    """The example's text (its default sizes and seed) and channels under `folder`."""
    from trimtab.algorithms.seq2seq.prepare import prepare

    splits = _generator().generate({"train": 20000, "validation": 1000, "test": 1000}, seed=7)
    text = folder / "text"
    text.mkdir(parents=True)
    for split, pairs in splits.items():
        for side, index in (("src", 0), ("trg", 1)):
            lines = "".join(pair[index] + "\n" for pair in pairs)
            (text / f"{split}.{side}").write_text(lines, encoding="utf-8")
    prepare(
        (text / "train.src", text / "train.trg"),
        (text / "validation.src", text / "validation.trg"),
        folder / "channels",
    )
    return folder


class Setup:
    """Everything both loops share: data, buckets, the device."""

    def __init__(self, folder: Path, hp_wire: dict[str, str], cpu: bool) -> None:
        import numpy as np
        import torch

        from trimtab.algorithms.seq2seq.buckets import (
            BucketedData,
            define_buckets,
            length_ratio,
        )
        from trimtab.algorithms.seq2seq.data import Corpus, read_corpus, read_vocabularies
        from trimtab.algorithms.seq2seq.hyperparameters import parse_hyperparameters
        from trimtab.algorithms.seq2seq.training import pick_device

        self.np, self.torch = np, torch
        self.hp = parse_hyperparameters(hp_wire)
        channels = folder / "channels"
        self.source_vocab, self.target_vocab = read_vocabularies(channels / "vocab")
        sizes = (len(self.source_vocab), len(self.target_vocab))
        limits = (self.hp.max_seq_len_source, self.hp.max_seq_len_target)
        train, _ = read_corpus(channels / "train", "train", *sizes).truncated(*limits)
        validation, _ = read_corpus(channels / "validation", "validation", *sizes).truncated(
            *limits
        )
        small = Corpus(validation.sources[:64], validation.targets[:64])
        buckets = define_buckets(*limits, self.hp.bucket_width, length_ratio(train))
        self.train = BucketedData(train, buckets, self.hp.batch_size)
        self.validation = BucketedData(small, buckets, self.hp.batch_size)
        self.device, self.num_gpus = (torch.device("cpu"), 0) if cpu else pick_device()
        self.sizes = sizes

    def model(self) -> Any:
        from trimtab.algorithms.seq2seq.model import build_model, initialize

        model = build_model(self.hp, *self.sizes)
        initialize(model, self.hp, seed=1)
        return model.to(self.device)

    def batches(self, updates: int) -> Iterator[Any]:
        """The batches the trainer draws with a generator seeded 1, epoch after epoch."""
        rng = self.np.random.default_rng(1)
        epochs = (self.train.batches(rng) for _ in itertools.count())
        return itertools.islice(itertools.chain.from_iterable(epochs), updates)

    def sync(self) -> None:
        if self.device.type == "cuda":
            self.torch.cuda.synchronize()


def trainer_run(setup: Setup, updates: int) -> float:
    """Seconds for `updates` updates of the algorithm's Trainer (and its last checkpoint)."""
    import dataclasses

    import numpy as np

    from trimtab.algorithms.seq2seq.fit import Trainer

    hp = dataclasses.replace(
        setup.hp, max_num_batches=updates, checkpoint_frequency_num_batches=updates
    )
    model = setup.model()
    trainer = Trainer(
        hp,
        model,
        setup.train,
        setup.validation,
        setup.target_vocab,
        setup.device,
        emit=lambda _: None,
        on_best=lambda _: None,
        rng=np.random.default_rng(1),
        num_gpus=setup.num_gpus,
    )
    setup.sync()
    start = time.perf_counter()
    trainer.fit()
    setup.sync()
    return time.perf_counter() - start


def bare_run(setup: Setup, updates: int) -> float:
    """Seconds for the same updates in a plain loop over batches made in advance."""
    import torch
    import torch.nn.functional as F

    model = setup.model()
    if setup.num_gpus > 1:
        model = torch.nn.DataParallel(model)
    moved = [b.to(setup.device) for b in setup.batches(updates)]
    batches = [(b.source, b.source_length, b.target_in, b.target_out) for b in moved]
    optimizer = torch.optim.Adam(model.parameters(), lr=setup.hp.learning_rate)
    parameters = list(model.parameters())
    model.train()
    setup.sync()
    start = time.perf_counter()
    for source, lengths, target_in, target_out in batches:
        logits = model(source, lengths, target_in)
        loss = F.cross_entropy(
            logits.reshape(-1, logits.size(-1)), target_out.reshape(-1), ignore_index=0
        )
        optimizer.zero_grad(set_to_none=True)
        torch.autograd.backward(loss)
        torch.nn.utils.clip_grad_value_(parameters, setup.hp.clip_gradient)
        optimizer.step()
    setup.sync()
    return time.perf_counter() - start


def throughput(
    folder: Path, hp: dict[str, str], updates: int, repeats: int, cpu: bool
) -> dict[str, float]:
    setup = Setup(folder, hp, cpu)
    tokens = sum(b.tokens for b in setup.batches(updates))
    trainer_run(setup, min(updates, 20))  # warm up both paths (allocator, kernels)
    bare_run(setup, min(updates, 20))
    ours, bare = [], []
    for _ in range(repeats):
        bare.append(tokens / bare_run(setup, updates))
        ours.append(tokens / trainer_run(setup, updates))
    ratios = [o / b for o, b in zip(ours, bare, strict=True)]  # each pair ran back to back
    return {
        "ours": statistics.median(ours),
        "bare": statistics.median(bare),
        "ratio": statistics.median(ratios),
        "low": min(ratios),
        "high": max(ratios),
    }


def goal(folder: Path, cpu: bool) -> dict[str, float]:
    """Train the example's configuration once; time to validation BLEU 95; test BLEU."""
    import torch

    from trimtab.algorithms.seq2seq.hyperparameters import parse_hyperparameters
    from trimtab.algorithms.seq2seq.training import run_training
    from trimtab.algorithms.seq2seq.translate import translate

    wire = {
        **EXAMPLE_HP,
        "max_num_epochs": "3",
        "checkpoint_frequency_num_batches": "100",
        "optimized_metric": "bleu",
        "bleu_sample_size": "200",
        "beam_size": "3",
    }
    reached: list[float] = []
    start = time.perf_counter()

    def emit(line: str) -> None:
        print(line, flush=True)
        found = "] checkpoint" in line and "validation:bleu=" in line and not reached
        if found and float(line.split("validation:bleu=")[1].split()[0]) >= 95:
            reached.append(time.perf_counter() - start)

    model_dir = folder / "model"
    placement = (torch.device("cpu"), 0) if cpu else None
    run_training(parse_hyperparameters(wire), folder / "channels", model_dir, {}, emit, placement)
    total = time.perf_counter() - start
    text = folder / "text"
    test = translate(
        model_dir,
        text.joinpath("test.src").read_text().splitlines(),
        text.joinpath("test.trg").read_text().splitlines(),
        device=placement[0] if placement else None,
    )
    assert test.bleu is not None
    return {"to_bleu_95": reached[0] if reached else float("nan"), "total": total,
            "test_bleu": test.bleu}  # fmt: skip


def report(
    rows: dict[str, dict[str, float]],
    updates: int,
    device: str,
    result: Any,
    load: tuple[float, float],
) -> str:
    lines = [
        f"Training throughput on {device}, {updates} updates a run, median of the runs (target "
        f"tokens/s); the machine's 1-minute load average was {load[0]:.1f} before and "
        f"{load[1]:.1f} after (other work shares it, hence the ratio spread):",
        "",
        "| model | trimtab Trainer | bare PyTorch loop | ratio (median) | ratio (min-max) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, row in rows.items():
        lines.append(
            f"| {name} | {row['ours']:,.0f} | {row['bare']:,.0f} | {row['ratio']:.2f} | "
            f"{row['low']:.2f}-{row['high']:.2f} |"
        )
    lines += [
        "",
        "The Trainer's time includes drawing bucketed batches each step and its final "
        "checkpoint (64 validation sentences); the bare loop's batches are made in advance.",
    ]
    if result is not None:
        lines += [
            "",
            "Example goal (dates in words -> ISO dates; one training job, LSTM 128, mlp "
            "attention, batch 64, adam 0.003, 3 epochs at most, BLEU on 200 validation "
            "sentences at each checkpoint):",
            "",
            "| first checkpoint with validation BLEU >= 95 | whole training job | "
            "BLEU on the 1000 held-out test sentences |",
            "| --- | --- | --- |",
            f"| {result['to_bleu_95']:.0f} s | {result['total']:.0f} s | "
            f"{result['test_bleu']:.2f} |",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--updates", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's)")
    parser.add_argument("--cpu", action="store_true", help="the CPU even with a GPU")
    parser.add_argument("--skip-goal", action="store_true")
    parser.add_argument("--sagemaker-defaults", action="store_true", help="also the big model")
    parser.add_argument("--no-write", action="store_true", help="print, leave the docs alone")
    args = parser.parse_args(argv)
    prefer_sleeping_threads()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    load_before = os.getloadavg()[0]
    from benchmarks.report import write_section

    configs = {**CONFIGS, **(SAGEMAKER_DEFAULTS if args.sagemaker_defaults else {})}
    with tempfile.TemporaryDirectory() as tmp:
        folder = make_data(Path(tmp))
        rows = {}
        for name, hp in configs.items():
            rows[name] = throughput(folder, hp, args.updates, args.repeats, args.cpu)
            print(name, rows[name], flush=True)
        result = None if args.skip_goal else goal(folder, args.cpu)
    device = (
        torch.cuda.get_device_name(0)
        if torch.cuda.is_available() and not args.cpu
        else f"the CPU (torch threads: {torch.get_num_threads()})"
    )
    load = (load_before, os.getloadavg()[0])
    body = report(rows, args.updates, device, result, load)
    print(body)
    if not args.no_write:
        command = "python -m benchmarks.seq2seq " + " ".join(argv or sys.argv[1:])
        write_section("seq2seq", "Seq2Seq: training throughput and the example's goal",
                      command.strip(), body)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
