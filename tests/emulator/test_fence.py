"""The emulator is a library of its own: it imports nothing of the app, and the app's run path never imports it."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EMULATOR = ROOT / "bot" / "emulator"
# the sandbox side: only `python -m bot sandbox` and the tests load these
SANDBOX_SIDE = ("bot.emulator", "bot.emulated", "bot.sandbox")
# what `python -m bot` loads to run the bot (bot/__main__.py, then bot.cli.main)
RUN_PATH = ("bot.bootstrap", "bot.cli", "bot.app", "bot.factory", "bot.reminders", "handlers", "reports", "db")
# what only the chart worker loads
WORKER_SIDE = ("matplotlib", "reports.charts")


def app_packages() -> set[str]:
    """The top-level packages the wheel ships (pyproject's package patterns), and the tests."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["packages"]["find"]["include"]
    return {pattern.rstrip("*").rstrip(".") for pattern in patterns} | {"tests"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in the file, function-level ones included."""
    package = module_name(path).split(".") if path.name == "__init__.py" else module_name(path).split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            name = ".".join([*base, *([node.module] if node.module else [])])
            # `from . import x` may name a module: check each alias as one
            yield from ((node.lineno, f"{name}.{alias.name}") for alias in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) in (
            "import_module", "__import__"
        ) and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            yield node.lineno, node.args[0].value


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_the_emulator_imports_nothing_of_the_app() -> None:
    app = app_packages()
    offending = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for path in sorted(EMULATOR.rglob("*.py"))
        for line, name in imported(path)
        if name.split(".")[0] in app and not within(name, "bot.emulator")
    ]
    assert offending == [], "bot/emulator must not import the application (pass what it needs in):\n" + "\n".join(
        offending
    )


def test_only_the_sandbox_side_imports_the_emulator() -> None:
    """Function-level imports too, which the run-path check below cannot see."""
    app = app_packages() - {"tests"}
    offending = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for package in sorted(app)
        for path in sorted((ROOT / package).rglob("*.py"))
        if not any(within(module_name(path), side) for side in SANDBOX_SIDE)
        for line, name in imported(path)
        if any(within(name, side) for side in ("bot.emulator", "bot.emulated"))
    ]
    assert offending == [], "only bot/sandbox.py and the tests may import the emulator:\n" + "\n".join(offending)


def test_the_run_path_never_loads_the_emulator_nor_matplotlib() -> None:
    """matplotlib belongs to the chart worker's process (reports/drawing.py), never the bot's."""
    script = (
        "import importlib, sys\n"
        f"for name in {RUN_PATH!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(sorted(m for m in sys.modules if any(m == s or m.startswith(s + '.') for s in {SANDBOX_SIDE!r})))\n"
        f"print(sorted(m for m in sys.modules if any(m == s or m.startswith(s + '.') for s in {WORKER_SIDE!r})))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    sandbox, worker = result.stdout.splitlines()
    assert sandbox == "[]", f"`python -m bot` would load the sandbox side: {sandbox}"
    assert worker == "[]", f"`python -m bot` would load what only the chart worker needs: {worker}"


def test_the_bot_process_never_loads_scipy() -> None:
    """scipy.stats costs some 70 MB and a second to import; the bot's own process computes its
    intervals and p-values with the standard library. Only the scoring child (scikit-learn) and the
    chart worker may load it."""
    children = {"reports.charts", "reports.scoring_model"}
    modules = sorted(
        module_name(path)
        for package in ("bot", "handlers", "reports")
        for path in (ROOT / package).glob("*.py")
        if module_name(path) not in children and not module_name(path).endswith("__main__")
    )
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "from reports.analytics import wilson\n"
        "wilson(5, 10)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('scipy', 'sklearn')))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"the bot's process would load: {result.stdout.strip()[:300]}"
