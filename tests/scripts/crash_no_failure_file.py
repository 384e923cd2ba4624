"""crash_no_failure_file.py: prints `loss=3.0`, then raises `RuntimeError("boom: out of cheese")`.

No failure file: the traceback goes to stderr and the interpreter exits 1.
"""

print("epoch=1 loss=3.0", flush=True)
raise RuntimeError("boom: out of cheese")
