"""`trimtab seq2seq prepare`: tokenized parallel text -> the three channels SageMaker expects.

Does what SageMaker's `create_vocab_proto.py` does: vocabularies from the training text only
(most frequent words first), every line pair as a protobuf Record of token ids (no `<s>` or
`</s>`; unknown words -> `<unk>`), pairs with an empty side skipped. The output folder gets
one sub-folder per channel, ready to be a tuning job's `InputDataConfig`:

    OUT/train/train.rec   OUT/validation/val.rec   OUT/vocab/vocab.src.json, vocab.trg.json
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from trimtab.algorithms.errors import ClientError
from trimtab.algorithms.seq2seq import SOURCE_VOCAB, TARGET_VOCAB
from trimtab.algorithms.seq2seq.record import encode_pairs
from trimtab.algorithms.seq2seq.vocab import DEFAULT_NUM_WORDS, Vocabulary

Pairs = list[tuple[list[str], list[str]]]


def read_parallel(source: Path, target: Path) -> tuple[Pairs, int]:
    """Whitespace-tokenized line pairs, and how many were skipped for an empty side."""
    try:
        sources = source.read_text(encoding="utf-8").splitlines()
        targets = target.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise ClientError(f"cannot read the parallel text: {error}") from None
    if len(sources) != len(targets):
        raise ClientError(
            f"{source} has {len(sources)} lines but {target} has {len(targets)}: parallel "
            "files need one line per sentence on both sides"
        )
    pairs = [(s.split(), t.split()) for s, t in zip(sources, targets, strict=True)]
    kept = [(s, t) for s, t in pairs if s and t]
    return kept, len(pairs) - len(kept)


@dataclass(frozen=True)
class VocabularyOptions:
    num_words_source: int = DEFAULT_NUM_WORDS
    num_words_target: int = DEFAULT_NUM_WORDS
    min_count_source: int = 1
    min_count_target: int = 1
    single_vocab: bool = False  # one joint vocabulary, written to both files


def build_vocabularies(pairs: Pairs, options: VocabularyOptions) -> tuple[Vocabulary, Vocabulary]:
    sources = [s for s, _ in pairs]
    targets = [t for _, t in pairs]
    if options.single_vocab:
        joint = Vocabulary.build(
            sources + targets, options.num_words_source, options.min_count_source
        )
        return joint, joint
    return (
        Vocabulary.build(sources, options.num_words_source, options.min_count_source),
        Vocabulary.build(targets, options.num_words_target, options.min_count_target),
    )


def write_records(path: Path, pairs: Pairs, source: Vocabulary, target: Vocabulary) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encode_pairs((source.encode(s), target.encode(t)) for s, t in pairs))


def prepare(
    train: tuple[Path, Path],
    validation: tuple[Path, Path],
    output: Path,
    options: VocabularyOptions | None = None,
) -> dict[str, int]:
    """Write the channels under `output`; returns counts worth printing."""
    train_pairs, skipped_train = read_parallel(*train)
    val_pairs, skipped_val = read_parallel(*validation)
    if not train_pairs:
        raise ClientError(f"{train[0]} and {train[1]} hold no sentence pair")
    source, target = build_vocabularies(train_pairs, options or VocabularyOptions())
    (output / "vocab").mkdir(parents=True, exist_ok=True)
    source.write(output / "vocab" / SOURCE_VOCAB)
    target.write(output / "vocab" / TARGET_VOCAB)
    write_records(output / "train" / "train.rec", train_pairs, source, target)
    write_records(output / "validation" / "val.rec", val_pairs, source, target)
    return {
        "train pairs": len(train_pairs),
        "validation pairs": len(val_pairs),
        "skipped (an empty side)": skipped_train + skipped_val,
        "source vocabulary": len(source),
        "target vocabulary": len(target),
    }
