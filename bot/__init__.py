"""Ladon: the Telegram bot application. Must stay importable without third-party packages."""
