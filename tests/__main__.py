"""`python -m tests`: set up the environment if needed, then run the whole suite on SQLite and PostgreSQL."""

import sys

from bot.bootstrap import ensure_environment

ensure_environment("tests")

import pytest  # noqa: E402

sys.exit(pytest.main(["-p", "no:cacheprovider", *sys.argv[1:]]))
