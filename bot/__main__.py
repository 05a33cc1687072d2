"""`python -m bot` runs the bot; `python -m bot sandbox` runs it against the local emulator."""

from bot.bootstrap import ensure_environment

ensure_environment("bot")

from bot.cli import main  # noqa: E402  (only importable once the environment is ready)

raise SystemExit(main())
