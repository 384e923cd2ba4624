"""`trimtab seq2seq prepare` and `trimtab seq2seq translate`, added to trimtab's command line.

Only argparse here: the handlers import torch, protobuf and sacrebleu when they run, so
`trimtab --help` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trimtab.store import Store


def cmd_prepare(store: Store, args: argparse.Namespace) -> int:
    from trimtab.algorithms.errors import ClientError
    from trimtab.algorithms.seq2seq.prepare import VocabularyOptions, prepare

    options = VocabularyOptions(
        num_words_source=args.num_words_source,
        num_words_target=args.num_words_target,
        min_count_source=args.word_min_count_source,
        min_count_target=args.word_min_count_target,
        single_vocab=args.single_vocab,
    )
    try:
        counts = prepare(
            (args.train_source, args.train_target),
            (args.val_source, args.val_target),
            args.output,
            options,
        )
    except ClientError as error:
        print(error.failure_reason(), file=sys.stderr)
        return 1
    for name, count in counts.items():
        print(f"{name}: {count}")
    print(f"channels train, validation and vocab written under {args.output}")
    return 0


def cmd_translate(store: Store, args: argparse.Namespace) -> int:
    from trimtab.algorithms.seq2seq import prefer_sleeping_threads

    prefer_sleeping_threads()
    from trimtab.algorithms.errors import ClientError
    from trimtab.algorithms.seq2seq.translate import translate_file

    try:
        result = translate_file(
            args.model, args.input, args.output, args.references, args.beam_size, args.batch_size
        )
    except ClientError as error:
        print(error.failure_reason(), file=sys.stderr)
        return 1
    if args.output is None:
        sys.stdout.write("".join(line + "\n" for line in result.sentences))
    if result.bleu is not None:
        print(f"BLEU = {result.bleu:.2f}", file=sys.stderr if args.output is None else sys.stdout)
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `seq2seq prepare` and `seq2seq translate` to trimtab's subcommands."""
    seq2seq = commands.add_parser(
        "seq2seq",
        help="the built-in Sequence-to-Sequence algorithm: prepare data, translate",
        description="Tools for the built-in Sequence-to-Sequence algorithm (image seq2seq).",
    )
    tools = seq2seq.add_subparsers(dest="seq2seq_command", required=True, metavar="COMMAND")
    text = "tokenized parallel text -> vocabularies + RecordIO-protobuf, as the three channels"
    prepare = tools.add_parser("prepare", help=text, description=text)
    prepare.set_defaults(handler=cmd_prepare)
    for name, what in (
        ("train-source", "training source text, one tokenized sentence a line"),
        ("train-target", "training target text, line-aligned with --train-source"),
        ("val-source", "validation source text"),
        ("val-target", "validation target text"),
    ):
        prepare.add_argument(f"--{name}", type=Path, required=True, help=what)
    prepare.add_argument(
        "--output", type=Path, required=True, help="folder for train/, validation/ and vocab/"
    )
    for side in ("source", "target"):
        prepare.add_argument(f"--num-words-{side}", type=_positive, default=50000)
        prepare.add_argument(f"--word-min-count-{side}", type=_positive, default=1)
    prepare.add_argument(
        "--single-vocab", action="store_true", help="one joint vocabulary for both sides"
    )
    text = "translate a file of tokenized sentences with a trained model (beam search)"
    translate = tools.add_parser("translate", help=text, description=text)
    translate.set_defaults(handler=cmd_translate)
    translate.add_argument(
        "--model", type=Path, required=True, help="a model.tar.gz, or its unpacked folder"
    )
    translate.add_argument("--input", type=Path, required=True, help="one sentence a line")
    translate.add_argument("--output", type=Path, help="translations (default: standard output)")
    translate.add_argument(
        "--references", type=Path, help="reference translations: report corpus BLEU"
    )
    translate.add_argument("--beam-size", type=_positive, help="default: the model's beam_size")
    translate.add_argument("--batch-size", type=_positive, help="default: the model's batch_size")
