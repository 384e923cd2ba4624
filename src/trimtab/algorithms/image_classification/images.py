"""Image preparation with Pillow and numpy: decode, resize, crop, augment (no torch here).

Two stages, so that a small data set is decoded once and augmented every epoch:
`prepare` (decode, convert to the job's channels, resize the shorter side to `resize`) is
deterministic; `Cropper` makes the network's input from a prepared image, with SageMaker's
augmentations when training. Work is done by Pillow and whole-array numpy operations, never
per pixel in Python. Arrays are uint8, height x width x channels.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, UnidentifiedImageError

from trimtab.algorithms.image_classification.errors import ClientError
from trimtab.algorithms.image_classification.hyperparameters import Augmentation

Array = npt.NDArray[np.uint8]
# crop_color: largest hue, saturation and lightness shifts (hue on Pillow's 0-255 wheel:
# 36 degrees of OpenCV's 180).
HUE, SATURATION, LIGHTNESS = round(36 * 256 / 180), 50, 50
# crop_color_transform: largest rotation (degrees), shear and aspect-ratio change.
ROTATION, SHEAR, ASPECT = 10.0, 0.1, 0.25


def decode(data: bytes, channels: int, where: str) -> Image.Image:
    """A decoded image in mode L (1 channel) or RGB (3). Raises ClientError."""
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ClientError(f"{where}: not a readable image ({error})") from None
    mode = "L" if channels == 1 else "RGB"
    return image if image.mode == mode else image.convert(mode)


def resized_size(width: int, height: int, shorter: int) -> tuple[int, int]:
    """(width, height) with the shorter side `shorter`, rounded down as im2rec does."""
    if height > width:
        return shorter, height * shorter // width
    return width * shorter // height, shorter


def resize_shorter(image: Image.Image, shorter: int) -> Image.Image:
    size = resized_size(image.width, image.height, shorter)
    return image if size == image.size else image.resize(size, Image.Resampling.BILINEAR)


def prepare(data: bytes, channels: int, resize: int | None, where: str) -> Array:
    """Decode and resize: the part of preprocessing that is the same every epoch."""
    image = decode(data, channels, where)
    if resize is not None:
        image = resize_shorter(image, resize)
    return as_array(image)


def as_array(image: Image.Image) -> Array:
    array = np.asarray(image, dtype=np.uint8)
    return array[:, :, None] if array.ndim == 2 else array


def center_crop(array: Array, height: int, width: int) -> Array:
    top = (array.shape[0] - height) // 2
    left = (array.shape[1] - width) // 2
    return array[top : top + height, left : left + width]


def _affine(array: Array, rng: np.random.Generator) -> Array:
    """Random rotation, shear and aspect-ratio change about the centre (crop_color_transform)."""
    angle = math.radians(rng.uniform(-ROTATION, ROTATION))
    shear = rng.uniform(-SHEAR, SHEAR)
    ratio = math.sqrt(rng.uniform(1 - ASPECT, 1 + ASPECT))
    cos, sin = math.cos(angle), math.sin(angle)
    # output -> input mapping: inverse of (scale x by ratio, y by 1/ratio) · shear · rotation
    a, b = cos / ratio, (sin + shear * cos) / ratio
    d, e = -sin * ratio, (cos - shear * sin) * ratio
    h, w = array.shape[:2]
    cx, cy = w / 2, h / 2
    coefficients = (a, b, cx - a * cx - b * cy, d, e, cy - d * cx - e * cy)
    image = Image.fromarray(array.squeeze(2) if array.shape[2] == 1 else array)
    moved = image.transform(
        image.size, Image.Transform.AFFINE, coefficients, Image.Resampling.BILINEAR
    )
    return as_array(moved)


def _color(array: Array, rng: np.random.Generator) -> Array:
    """Random hue, saturation and lightness shifts (lightness only for one channel)."""
    lightness = rng.integers(-LIGHTNESS, LIGHTNESS + 1)
    if array.shape[2] == 1:
        shifted: Array = np.clip(array.astype(np.int16) + lightness, 0, 255).astype(np.uint8)
        return shifted
    hsv = np.asarray(Image.fromarray(array).convert("HSV"), dtype=np.int16)
    shift = np.array(
        [rng.integers(-HUE, HUE + 1), rng.integers(-SATURATION, SATURATION + 1), lightness]
    )
    shifted = hsv + shift
    shifted[..., 0] %= 256
    pixels = np.clip(shifted, 0, 255).astype(np.uint8)
    out = Image.frombytes("HSV", (array.shape[1], array.shape[0]), pixels.tobytes())
    return as_array(out.convert("RGB"))


@dataclass(frozen=True)
class Cropper:
    """A prepared image → the network's input: `height` x `width`, augmented when asked.

    Without augmentation the centre is cut; with it, a random crop and a horizontal flip
    (`crop`), then colour shifts (`crop_color`), with an affine warp first
    (`crop_color_transform`). An image smaller than the crop is a ClientError, as SageMaker
    fails training on images smaller than `image_shape`.
    """

    height: int
    width: int
    augmentation: Augmentation | None = None

    def __call__(self, array: Array, rng: np.random.Generator | None, where: str) -> Array:
        h, w = array.shape[:2]
        if h < self.height or w < self.width:
            raise ClientError(
                f"{where}: the image is {w}x{h} pixels, smaller than image_shape "
                f"({self.width}x{self.height}); set the hyperparameter 'resize' to at least "
                f"{max(self.height, self.width)}"
            )
        if self.augmentation is None or rng is None:
            return center_crop(array, self.height, self.width)
        if self.augmentation is Augmentation.CROP_COLOR_TRANSFORM:
            array = _affine(array, rng)
        top = int(rng.integers(0, h - self.height + 1))
        left = int(rng.integers(0, w - self.width + 1))
        array = array[top : top + self.height, left : left + self.width]
        if rng.random() < 0.5:
            array = array[:, ::-1]
        if self.augmentation is not Augmentation.CROP:
            array = _color(array, rng)
        return np.ascontiguousarray(array)
