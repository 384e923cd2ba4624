"""Test doubles shared by the test suite and the benchmarks: a scripted in-memory backend and
a fake clock, so that the real tuning loop runs without processes and without sleeping.

The contract suites that every store and every backend must pass live with the tests
(tests/contracts/), beside the training scripts they run.
"""

from trimtab.testing.fakes import COMPLETED, FakeBackend, FakeClock, Script

__all__ = ["COMPLETED", "FakeBackend", "FakeClock", "Script"]
