"""Analytics, forecasts, charts and digests: pure functions over repository queries, no Telegram types."""
