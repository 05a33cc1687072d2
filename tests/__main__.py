"""`python -m tests`: set up the environment if needed, then run the whole suite on SQLite and PostgreSQL."""

import sys

from bot.bootstrap import ensure_environment

ensure_environment("tests")

import pytest  # noqa: E402

args = sys.argv[1:]
# both cores: a test waits on SQLite, PostgreSQL or the emulator much of its time, so two workers
# take the suite in a little over half the time; `-n 0` runs it in one process
workers = [] if any(a == "-n" or a.startswith(("-n", "--numprocesses")) for a in args) else ["-n", "logical"]
sys.exit(pytest.main(["-p", "no:cacheprovider", *workers, *args]))
