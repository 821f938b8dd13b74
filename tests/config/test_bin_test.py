"""bin/test runs the suite in parallel unless told otherwise."""

import os
import subprocess

import pytest

from tests.config.test_settings import BASE_DIR, clean_environment

pytestmark = pytest.mark.scripts

# A quick test of ours that needs no database: only how bin/test runs it matters here.
QUICK_TEST = "tests/config/test_run_address.py::test_main_prints_the_site_url_and_the_hosts"


def run_bin_test(tmp_path, *arguments, **variables):
    env = {**clean_environment(tmp_path), **variables}
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("PYTEST_XDIST_WORKER_COUNT", None)
    finished = subprocess.run(  # noqa: S603  # our own script, fixed arguments
        [str(BASE_DIR / "bin" / "test"), "-v", *arguments, QUICK_TEST],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "1 passed" in finished.stdout
    return finished.stdout


def test_by_default_one_process_per_cpu(tmp_path):
    cpus = len(os.sched_getaffinity(0))

    output = run_bin_test(tmp_path)

    assert f"created: {cpus}/{cpus} workers" in output


def test_the_environment_chooses_another_number(tmp_path):
    output = run_bin_test(tmp_path, UNBUNDLED_TEST_PROCESSES="1")

    assert "created: 1/1 worker" in output
