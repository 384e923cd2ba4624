"""Vocabularies: `vocab.src.json` and `vocab.trg.json`, token -> id, as SageMaker writes them.

Ids 0-3 are the algorithm's own (`<pad>`, `<unk>`, `<s>`, `</s>`); words follow from 4 by
descending training-set frequency, ties by descending token, which is the order of SageMaker's
preparation script. Any JSON object with the four special tokens at their ids can be read.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from trimtab.algorithms.errors import ClientError

PAD_ID, UNK_ID, BOS_ID, EOS_ID = 0, 1, 2, 3
SPECIAL_TOKENS: Final = ("<pad>", "<unk>", "<s>", "</s>")
DEFAULT_NUM_WORDS: Final = 50_000


@dataclass(frozen=True)
class Vocabulary:
    """Token <-> id. `tokens[i]` is the token of id i (`<unk>` for ids no token has)."""

    ids: Mapping[str, int]
    tokens: tuple[str, ...]

    @classmethod
    def from_ids(cls, ids: Mapping[str, int], origin: str = "the vocabulary") -> Vocabulary:
        for expected, token in enumerate(SPECIAL_TOKENS):
            if ids.get(token) != expected:
                raise ClientError(
                    f"{origin}: '{token}' must have id {expected} (the algorithm reserves "
                    f"{', '.join(f'{t} {i}' for i, t in enumerate(SPECIAL_TOKENS))})"
                )
        bad = [(t, i) for t, i in ids.items() if not isinstance(i, int) or i < 0]
        if bad:
            raise ClientError(
                f"{origin}: ids must be integers >= 0, got {bad[0][0]!r}: {bad[0][1]!r}"
            )
        tokens = [SPECIAL_TOKENS[UNK_ID]] * (max(ids.values()) + 1)
        for token, i in ids.items():
            tokens[i] = token
        return cls(dict(ids), tuple(tokens))

    @classmethod
    def build(
        cls,
        sentences: Iterable[Sequence[str]],
        num_words: int = DEFAULT_NUM_WORDS,
        min_count: int = 1,
    ) -> Vocabulary:
        """The `num_words` most frequent tokens seen at least `min_count` times (the special
        strings, should the text hold them, are not words)."""
        counts = Counter(token for sentence in sentences for token in sentence)
        for token in SPECIAL_TOKENS:
            counts.pop(token, None)
        ranked = sorted(
            ((count, token) for token, count in counts.items() if count >= min_count),
            reverse=True,
        )[:num_words]
        ids = {token: i for i, token in enumerate(SPECIAL_TOKENS)}
        ids |= {token: len(SPECIAL_TOKENS) + i for i, (_, token) in enumerate(ranked)}
        return cls.from_ids(ids)

    @classmethod
    def read(cls, path: Path) -> Vocabulary:
        try:
            content = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ClientError(f"cannot read the vocabulary {path}: {error}") from None
        if not isinstance(content, dict):
            raise ClientError(f"{path}: a vocabulary is a JSON object mapping tokens to ids")
        return cls.from_ids(content, str(path))

    def write(self, path: Path) -> None:
        """4-space indentation, non-ASCII kept, as the preparation script writes it."""
        text = json.dumps(dict(self.ids), indent=4, ensure_ascii=False)
        path.write_text(text, encoding="utf-8")

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, sentence: Sequence[str]) -> list[int]:
        return [self.ids.get(token, UNK_ID) for token in sentence]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Tokens up to the first `</s>`, leaving out `<pad>` and `<s>`."""
        words = []
        for i in ids:
            if i == EOS_ID:
                break
            if i not in (PAD_ID, BOS_ID):
                words.append(self.tokens[i] if 0 <= i < len(self.tokens) else "<unk>")
        return words
