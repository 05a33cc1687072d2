"""Benchmarks: run by their own commands (see README.md), never collected by pytest."""
