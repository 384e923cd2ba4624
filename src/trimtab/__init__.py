"""trimtab: SageMaker-style automatic model tuning on your own machine."""

__version__ = "0.1.0"
