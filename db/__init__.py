"""Persistence: models, engine, repositories and migrations. Imports nothing of ours."""
