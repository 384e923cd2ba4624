"""Write a small translation task, generated offline: dates spelled out in English words, in
several orders and styles, into their ISO form, one digit per token.

    the twenty first of march nineteen ninety nine   ->   1 9 9 9 - 0 3 - 2 1
    march 21st style, "oh" years, "two thousand and", short month names, ...

The model has to read number words (cardinal and ordinal), map month names to numbers,
reorder day, month and year, and pad with zeros: structure, not copying. Train, validation
and test sentences never repeat one another, so the test set is held out. Tokenized text
(space-separated) is written as train/validation/test .src/.trg files.
"""

from __future__ import annotations

import argparse
import datetime
import random
from collections.abc import Callable
from pathlib import Path

ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
ORDINAL_ONES = [
    "_",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
]
ORDINAL_TENS = {20: "twentieth", 30: "thirtieth"}
MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]


def cardinal(n: int) -> str:
    """0-99 in words."""
    if n < 20:
        return ONES[n]
    tens, ones = divmod(n, 10)
    return TENS[tens] + ("" if ones == 0 else " " + ONES[ones])


def ordinal(n: int) -> str:
    """1-31 in words."""
    if n < 20:
        return ORDINAL_ONES[n]
    if n in ORDINAL_TENS:
        return ORDINAL_TENS[n]
    return TENS[n // 10] + " " + ORDINAL_ONES[n % 10]


def year_words(year: int, rng: random.Random) -> str:
    """1900-2099, in the ways people say them."""
    century, rest = divmod(year, 100)
    if century == 19:
        if rest == 0:
            return "nineteen hundred"
        spoken = "nineteen " + ("oh " + ONES[rest] if rest < 10 else cardinal(rest))
        if rng.random() < 0.2:
            hundreds = "one thousand nine hundred "
            return hundreds + ("and " if rng.random() < 0.5 else "") + cardinal(rest)
        return spoken
    if rest == 0:
        return "two thousand"
    if rest >= 10 and rng.random() < 0.5:
        return "twenty " + cardinal(rest)
    return "two thousand " + ("and " if rng.random() < 0.4 else "") + cardinal(rest)


def month_word(month: int, rng: random.Random) -> str:
    name = MONTHS[month - 1]
    return name[:3] if rng.random() < 0.2 and len(name) > 4 else name


Format = Callable[[str, str, str, str], str]
FORMATS: list[Format] = [
    lambda day_o, day_c, month, year: f"{month} {day_o} , {year}",
    lambda day_o, day_c, month, year: f"the {day_o} of {month} {year}",
    lambda day_o, day_c, month, year: f"{day_o} of {month} , {year}",
    lambda day_o, day_c, month, year: f"{day_c} {month} {year}",
    lambda day_o, day_c, month, year: f"{month} the {day_o} {year}",
    lambda day_o, day_c, month, year: f"{month} {day_c} {year}",
]


def example(rng: random.Random) -> tuple[str, str]:
    start = datetime.date(1900, 1, 1).toordinal()
    end = datetime.date(2099, 12, 31).toordinal()
    date = datetime.date.fromordinal(rng.randint(start, end))
    source = rng.choice(FORMATS)(
        ordinal(date.day),
        cardinal(date.day),
        month_word(date.month, rng),
        year_words(date.year, rng),
    )
    target = " ".join(date.isoformat())
    return source, target


def generate(sizes: dict[str, int], seed: int) -> dict[str, list[tuple[str, str]]]:
    """Splits of distinct source sentences (no sentence is in two splits)."""
    rng = random.Random(seed)
    seen: set[str] = set()
    splits: dict[str, list[tuple[str, str]]] = {}
    for split, size in sizes.items():
        pairs: list[tuple[str, str]] = []
        while len(pairs) < size:
            source, target = example(rng)
            if source not in seen:
                seen.add(source)
                pairs.append((source, target))
        splits[split] = pairs
    return splits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "data" / "text")
    parser.add_argument("--train", type=int, default=20000)
    parser.add_argument("--validation", type=int, default=1000)
    parser.add_argument("--test", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    sizes = {"train": args.train, "validation": args.validation, "test": args.test}
    args.output.mkdir(parents=True, exist_ok=True)
    for split, pairs in generate(sizes, args.seed).items():
        for side, index in (("src", 0), ("trg", 1)):
            text = "".join(pair[index] + "\n" for pair in pairs)
            (args.output / f"{split}.{side}").write_text(text, encoding="utf-8")
        print(f"{split}: {len(pairs)} sentence pairs")
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
