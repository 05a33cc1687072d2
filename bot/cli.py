"""Command line: `python -m bot` (run) and `python -m bot sandbox`."""

from __future__ import annotations

import argparse
import asyncio
import sys

from pydantic import ValidationError

from bot.logs import setup_logging
from bot.settings import Settings

TOKEN_HELP = (
    "BOT_TOKEN is not set. Create a bot with @BotFather in Telegram, then put BOT_TOKEN=<token> "
    "into .env (see .env.example) or the environment. To try Ladon without a token: python -m bot sandbox"
)


def load_settings(**overrides) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        if any(err["loc"] == ("bot_token",) and err["type"] == "missing" for err in exc.errors()):
            print(TOKEN_HELP, file=sys.stderr)
        else:
            lines = "; ".join(f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
            print(f"Invalid settings: {lines}", file=sys.stderr)
        raise SystemExit(2) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Ladon, the CRM in Telegram")
    parser.add_argument("command", nargs="?", default="run", choices=["run", "sandbox"])
    args = parser.parse_args(argv)
    if args.command == "sandbox":
        from bot.sandbox import run_sandbox

        return asyncio.run(run_sandbox())
    settings = load_settings()
    setup_logging(settings.log_level, settings.bot_token.get_secret_value())
    from bot.app import run_polling

    try:
        asyncio.run(run_polling(settings))
    except KeyboardInterrupt:
        pass
    return 0
