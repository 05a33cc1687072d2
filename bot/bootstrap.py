"""Standard-library-only set-up: a fresh machine needs just Python to run the bot or the tests.

`ensure_environment()` creates `.venv`, installs the pinned lock file into it (again only when
the lock changes) and re-executes the current command inside it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".ladon-lock-sha256"


def _venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _lock_digest() -> str:
    return hashlib.sha256(LOCK.read_bytes()).hexdigest()


def _inside_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def _install() -> None:
    if not _venv_python().exists():
        print("Ladon: creating .venv ...", file=sys.stderr, flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Ladon: installing pinned dependencies from requirements.lock ...", file=sys.stderr, flush=True)
    subprocess.run(
        [str(_venv_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--require-hashes", "-r", str(LOCK)],
        check=True,
    )
    STAMP.write_text(_lock_digest())


def ensure_environment(module: str) -> None:
    """Return when running inside an up-to-date .venv; otherwise set it up and re-exec `-m module`."""
    up_to_date = STAMP.exists() and STAMP.read_text().strip() == _lock_digest()
    if _inside_venv() and up_to_date:
        return
    if not up_to_date:
        try:
            _install()
        except subprocess.CalledProcessError as exc:
            print(f"Ladon: dependency installation failed (exit {exc.returncode}).", file=sys.stderr)
            raise SystemExit(2) from None
    os.chdir(ROOT)
    python = str(_venv_python())
    os.execv(python, [python, "-m", module, *sys.argv[1:]])
