"""The production profile plus the benchmark's trivial view; used by nothing else."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.trivial_site.urls"
