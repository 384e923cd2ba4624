"""Backends run training jobs: a local subprocess each, or (later) Ray tasks."""

from trimtab.backends.base import Backend, Channel, RunSpec, RunState

__all__ = ["Backend", "Channel", "RunSpec", "RunState"]
