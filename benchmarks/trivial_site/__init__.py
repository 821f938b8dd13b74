"""HTTP benchmarks: settings and a URLconf used only by benchmarks/http_ratios.py."""
