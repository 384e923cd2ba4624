"""SageMaker's built-in Image Classification algorithm, in plain PyTorch.

A training job runs `python -m trimtab.algorithms.image_classification` (`__main__.py`) under
the SageMaker container contract: it reads `hyperparameters.json` and the channels itself,
trains a ResNet (`training.py`, `fit.py`, `epoch.py`) and prints MXNet-style metric lines
(`Epoch[3] Validation-accuracy=0.981250`) that the algorithm's default MetricDefinitions
match. Importing this package stays light (no torch): `trimtab --help` loads `cli.py`, which
imports torch only inside its handlers.
"""
