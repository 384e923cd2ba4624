"""Write scikit-learn's digits as PNG files, one folder per class: data/images/<digit>/*.png.

The 8x8 images (grey levels 0-16) are scaled to 0-255; `trimtab image-classification pack`
then turns the folder into RecordIO channels (see README.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image
from sklearn.datasets import load_digits


def main(folder: Path) -> None:
    digits = load_digits()
    pixels = np.round(digits.images * (255 / 16)).astype(np.uint8)
    for i, (image, label) in enumerate(zip(pixels, digits.target, strict=True)):
        path = folder / str(label) / f"digit_{i:04d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(path)
    print(f"wrote {len(pixels)} images of {len(set(digits.target))} classes to {folder}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "data" / "images")
