"""A SageMaker script-mode training script: an MLP on scikit-learn's handwritten digits.

It is written exactly as for SageMaker: hyperparameters arrive as `--name value` arguments,
data from the channel folders in SM_CHANNEL_TRAIN / SM_CHANNEL_VALIDATION, the model goes to
SM_MODEL_DIR, and the validation metric is printed once per epoch for the tuner's
MetricDefinitions regex to pick up.
"""

import argparse
import os
import pickle
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier


def load(channel: str) -> tuple[np.ndarray, np.ndarray]:
    folder = os.environ[f"SM_CHANNEL_{channel.upper()}"]
    data = np.loadtxt(os.path.join(folder, f"{channel}.csv"), delimiter=",")
    return data[:, 1:] / 16.0, data[:, 0].astype(int)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--alpha", type=float, default=1e-4)
    parser.add_argument("--hidden-units", type=int, default=64)
    parser.add_argument("--activation", type=str, default="relu")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()

    x_train, y_train = load("train")
    x_val, y_val = load("validation")
    model = MLPClassifier(
        hidden_layer_sizes=(args.hidden_units,),
        activation=args.activation,
        alpha=args.alpha,
        learning_rate_init=args.learning_rate,
        batch_size=args.batch_size,
        random_state=0,
    )
    classes = np.unique(y_train)
    warnings.simplefilter("ignore", ConvergenceWarning)
    for epoch in range(1, args.epochs + 1):
        model.partial_fit(x_train, y_train, classes=classes)
        train_accuracy = model.score(x_train, y_train)
        accuracy = model.score(x_val, y_val)
        print(
            f"epoch={epoch} train:accuracy={train_accuracy:.4f} validation:accuracy={accuracy:.4f}"
        )

    with open(os.path.join(os.environ["SM_MODEL_DIR"], "model.pkl"), "wb") as f:
        pickle.dump(model, f)


if __name__ == "__main__":
    main()
