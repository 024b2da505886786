"""Commercy's benchmark suite (`make bench`): see bench/run.py and bench/RESULTS.md."""
