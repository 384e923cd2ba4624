"""Training jobs run in this process through the entry point: the contract's tree in, metric
lines, the model folder or `output/failure` out."""

from __future__ import annotations

import itertools
import tarfile
from pathlib import Path

import pytest

from tests.algorithms.seq2seq.helpers import TINY, JobResult, make_job, run_job
from trimtab.algorithms import BUILTINS
from trimtab.algorithms.seq2seq.artifacts import HYPERPARAMETERS, WEIGHTS
from trimtab.algorithms.seq2seq.evaluate import Scores
from trimtab.algorithms.seq2seq.translate import translate
from trimtab.cli import main as trimtab
from trimtab.metrics import compile_definitions, parse_lines

pytestmark = pytest.mark.usefixtures("one_thread")

DEFINITIONS = compile_definitions(BUILTINS["seq2seq"].metric_definitions())


def job(tmp_path: Path, channels: Path, capsys: pytest.CaptureFixture[str], **hp: str) -> JobResult:
    return run_job(make_job(tmp_path / "job", channels, {**TINY, **hp}), capsys)


def metrics(result: JobResult) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {}
    for point in parse_lines(result.lines, DEFINITIONS, 0.0):
        found.setdefault(point.name, []).append(point.value)
    return found


@pytest.mark.parametrize(
    ("encoder", "decoder"), list(itertools.product(("rnn", "cnn"), ("rnn", "cnn")))
)
def test_each_encoder_decoder_pair_trains_as_a_job(
    tmp_path: Path,
    channels: Path,
    capsys: pytest.CaptureFixture[str],
    encoder: str,
    decoder: str,
) -> None:
    result = job(tmp_path, channels, capsys, encoder_type=encoder, decoder_type=decoder)
    assert result.code == 0, result.lines
    found = metrics(result)
    # 2 checkpoints (6 updates, one every 3), then the best one again
    assert {name: len(values) for name, values in found.items()} == {
        "train:perplexity": 2,
        "validation:perplexity": 3,
        "validation:accuracy": 3,
        "validation:bleu": 3,
    }
    best = min(found["validation:perplexity"][:2])
    assert found["validation:perplexity"][-1] == best
    assert sorted(p.name for p in result.model_dir.iterdir()) == sorted(
        [WEIGHTS, HYPERPARAMETERS, "vocab.src.json", "vocab.trg.json"]
    )


def test_a_model_learns_a_small_task_to_a_high_bleu(
    tmp_path: Path, channels: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = job(
        tmp_path,
        channels,
        capsys,
        rnn_cell_type="gru",
        rnn_attention_type="dot",
        rnn_num_hidden="64",
        learning_rate="0.01",
        max_num_batches="250",
        checkpoint_frequency_num_batches="125",
        bleu_sample_size="-1",
        optimized_metric="bleu",
        training_metric="accuracy",
    )
    assert result.code == 0, result.lines
    found = metrics(result)
    assert found["validation:bleu"][-1] > 90
    assert found["train:accuracy"][-1] > 0.8
    # The packed model translates new sentences (the tuner packs model/ as model.tar.gz).
    archive = tmp_path / "model.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for path in result.model_dir.iterdir():
            tar.add(path, arcname=path.name)
    translation = translate(archive, ["one two three four", "nine nine eight"], beam_size=3)
    assert translation.sentences == ["4 3 2 1", "8 9 9"]


def test_the_translate_command_reports_bleu(
    tmp_path: Path, channels: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = job(tmp_path, channels, capsys)
    text = channels / "text"
    out = tmp_path / "out.txt"
    args = ["--model", str(result.model_dir), "--input", str(text / "validation.src")]
    assert trimtab(["seq2seq", "translate", *args, "--output", str(out)]) == 0
    assert out.read_text().count("\n") == 40
    args += ["--references", str(text / "validation.trg"), "--beam-size", "1"]
    assert trimtab(["seq2seq", "translate", *args]) == 0
    printed = capsys.readouterr()
    assert printed.out.count("\n") == 40 and printed.err.startswith("BLEU = ")


def test_bleu_is_only_computed_when_asked_for(
    tmp_path: Path, channels: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = job(tmp_path, channels, capsys, bleu_sample_size="0")
    assert "validation:bleu" not in metrics(result)


@pytest.mark.parametrize(
    ("skip", "message"),
    [
        ("vocab", "ClientError: Missing required channel 'vocab': the Sequence-to-Sequence "
         "algorithm needs the channels train, validation and vocab"),
        ("train", "ClientError: Missing required channel 'train'"),
    ],
)  # fmt: skip
def test_a_missing_channel_fails_the_job(
    tmp_path: Path, channels: Path, capsys: pytest.CaptureFixture[str], skip: str, message: str
) -> None:
    result = run_job(make_job(tmp_path, channels, TINY, skip=skip), capsys)
    assert result.code == 1
    assert result.failure.startswith(message)


def test_missing_or_broken_files_fail_the_job(
    tmp_path: Path, channels: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = make_job(tmp_path / "a", channels, TINY, skip="vocab")
    (base / "input" / "data" / "vocab").mkdir()
    (base / "input" / "data" / "vocab" / "vocab.src.json").write_text("{}")
    result = run_job(base, capsys)
    assert result.failure == (
        "ClientError: Channel 'vocab' lacks vocab.trg.json: it must hold vocab.src.json and "
        f"vocab.trg.json ({base / 'input' / 'data' / 'vocab'})\n"
    )
    base = make_job(tmp_path / "b", channels, TINY, skip="train")
    (base / "input" / "data" / "train").mkdir()
    assert run_job(base, capsys).failure.startswith(
        "ClientError: Channel 'train' holds no record file"
    )
    (base / "input" / "data" / "train" / "train.rec").write_bytes(b"not recordio")
    assert run_job(base, capsys).failure.startswith(
        "ClientError: Channel 'train': cannot read train.rec: bad magic word 0x20746f6e at byte 0"
    )


def test_ids_outside_the_vocabulary_fail_the_job(
    tmp_path: Path, channels: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = make_job(tmp_path, channels, TINY, skip="vocab")
    vocab = base / "input" / "data" / "vocab"
    vocab.mkdir()
    small = '{"<pad>": 0, "<unk>": 1, "<s>": 2, "</s>": 3, "a": 4}'
    for name in ("vocab.src.json", "vocab.trg.json"):
        (vocab / name).write_text(small)
    result = run_job(base, capsys)
    assert result.code == 1
    assert "ClientError: Channel 'train': source token id" in result.failure
    assert "is outside the source vocabulary (ids 0 to 4)" in result.failure


@pytest.mark.parametrize(
    ("settings", "perplexities", "checkpoints", "stopped"),
    [
        ({}, [5, 4, 4.5, 4.2, 4.1, 3], 5, True),  # 3 without improvement: stop at 5
        ({"checkpoint_threshold": "1"}, [5, 6, 1], 2, True),
        # 25 updates an epoch, a checkpoint every 3: the first after 2 epochs is at update 51
        ({"min_num_epochs": "2", "checkpoint_threshold": "1"}, [5, 6] + [7] * 20, 17, True),
        ({"max_num_epochs": "1"}, [9, 8, 7, 6, 5, 4, 3, 2, 1], 9, False),  # 8, and at 25
        ({"max_num_batches": "4"}, [9, 8, 7, 6], 2, False),  # 4 updates: at 3, then a last one
    ],
)
def test_internal_early_stopping(
    tmp_path: Path,
    channels: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    settings: dict[str, str],
    perplexities: list[float],
    checkpoints: int,
    stopped: bool,
) -> None:
    from trimtab.algorithms.seq2seq import fit

    scripted = iter(perplexities)  # what each checkpoint's evaluation finds
    monkeypatch.setattr(fit.Trainer, "evaluate", lambda self: Scores(next(scripted), 0.5))
    hp = {**TINY, "max_num_batches": "-1", "bleu_sample_size": "0", **settings}
    result = run_job(make_job(tmp_path, channels, hp), capsys)
    assert result.code == 0, result.lines
    values = metrics(result)["validation:perplexity"]
    assert len(values) == checkpoints + 1
    assert values[-1] == min(values)
    assert any("stopping early" in line for line in result.lines) is stopped
