import logging

from bot.logs import RedactFilter

TOKEN = "123456:SECRET-token"


def test_token_is_scrubbed_from_messages_args_and_tracebacks() -> None:
    redact = RedactFilter(TOKEN)
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "GET %s failed", (f"/bot{TOKEN}/getMe",), None)
    redact.filter(record)
    assert TOKEN not in record.getMessage() and "<redacted>" in record.getMessage()
    try:
        raise RuntimeError(f"https://api.telegram.org/bot{TOKEN}/getUpdates")
    except RuntimeError as error:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", (), (type(error), error, error.__traceback__))
    redact.filter(record)
    formatted = logging.Formatter().format(record)
    assert TOKEN not in formatted and "<redacted>" in formatted
