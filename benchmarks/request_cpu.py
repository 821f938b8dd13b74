"""CPU time per request of the public pages, in-process, as ratios to the trivial view.

    nice -n 10 .venv/bin/python -m benchmarks.request_cpu [--rounds 5] [--requests 100]

A companion to benchmarks/http_ratios.py for a busy machine: wrk's requests per second move
with whatever else runs, while the CPU time this process spends on one request moves much
less. Each request goes through Django's WSGI handler (every middleware, no server), on the
same production profile and data as http_ratios.py; each round times the trivial view and
then each page, and a page's figure is the median over rounds of its CPU time against that
round's trivial view. It leaves out what gunicorn, PostgreSQL and Redis spend on the
request, so it is a diagnosis of the application's own cost, not the issue's figure.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable, Iterable

from benchmarks.harness import production_profile
from benchmarks.http_ratios import DATABASE_URL, SLUG, _prepare_data

# Signed-in pages cost ten to a hundred times more, so fewer of their requests are timed.
SIGNED_IN_SHARE = 10


def _requester(handler: Callable[..., Iterable[bytes]]) -> Callable[[str, str], str]:
    def request(path: str, cookie: str) -> str:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8765",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1:8765",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
        }
        if cookie:
            environ["HTTP_COOKIE"] = cookie
        statuses: list[str] = []
        body = handler(environ, lambda status, headers: statuses.append(status))
        b"".join(body)
        return statuses[0]

    return request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=100)
    arguments = parser.parse_args()
    with production_profile(DATABASE_URL):
        prepared = _prepare_data()
        from django.core.handlers.wsgi import WSGIHandler

        request = _requester(WSGIHandler())
        owner = f"sessionid={prepared['session']}"
        pages = {
            "public page, anonymous": (f"/p/{SLUG}/", ""),
            "credential page": (prepared["credential"], ""),
            "catalogue": ("/credentials/", ""),
            "public page, owner (uncached)": (f"/p/{SLUG}/", owner),
            "signed-in page (contact requests)": ("/me/contact-requests/", owner),
        }
        trivial = ("/_bench/ok/", "")
        for path, cookie in [trivial, *pages.values()]:
            status = request(path, cookie)
            if not status.startswith("200"):
                raise SystemExit(f"{path} answers {status}")

        def cpu_per_request(path: str, cookie: str, count: int) -> float:
            started = time.process_time()
            for _ in range(count):
                request(path, cookie)
            return (time.process_time() - started) / count

        ratios: dict[str, list[float]] = {name: [] for name in pages}
        for round_number in range(1, arguments.rounds + 1):
            baseline = cpu_per_request(*trivial, arguments.requests)
            print(f"round {round_number}: trivial view {baseline * 1000:.2f} ms CPU", flush=True)
            for name, (path, cookie) in pages.items():
                count = arguments.requests // (SIGNED_IN_SHARE if cookie else 1)
                cost = cpu_per_request(path, cookie, max(count, 1))
                ratios[name].append(baseline / cost)
                print(f"  {name}: {cost * 1000:.2f} ms CPU ({baseline / cost:.3f}x)", flush=True)
    print("CPU RATIOS (trivial view's CPU per request over the page's; median over rounds)")
    for name, values in ratios.items():
        print(f"  {name:36} {statistics.median(values):6.3f}x")


if __name__ == "__main__":
    main()
