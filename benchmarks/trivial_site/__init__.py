"""HTTP benchmarks: settings and a URLconf used only by the HTTP benchmarks (benchmarks/harness.py)."""
