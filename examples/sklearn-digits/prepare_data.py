"""Write scikit-learn's digits as the train and validation channels (CSV, label first)."""

import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


def main(folder: Path) -> None:
    digits = load_digits()
    x_train, x_val, y_train, y_val = train_test_split(
        digits.data, digits.target, test_size=0.25, random_state=0, stratify=digits.target
    )
    for channel, x, y in (("train", x_train, y_train), ("validation", x_val, y_val)):
        (folder / channel).mkdir(parents=True, exist_ok=True)
        np.savetxt(
            folder / channel / f"{channel}.csv", np.column_stack([y, x]), fmt="%d", delimiter=","
        )
    print(f"wrote {len(y_train)} training and {len(y_val)} validation images to {folder}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "data")
