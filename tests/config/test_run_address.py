"""bin/run's address: e-mail links point where it listens, and other hosts are answered.

The derivation (config/run_address.py) is tested directly; one test runs bin/run itself on a
free port bound to every interface and talks to it over loopback.
"""

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from config.run_address import main, served_at
from portfolio.emails import build_absolute_url
from tests.config.test_settings import BASE_DIR, clean_environment

MACHINE = ["vm", "192.0.2.2", "fd00::2"]


def this_machine():
    return list(MACHINE)


def test_links_point_at_the_port_runserver_listens_on():
    served = served_at("8001", {}, this_machine)

    assert served.site_url == "http://127.0.0.1:8001"
    assert served.allowed_hosts == ["127.0.0.1", "localhost", "[::1]"]


def test_a_named_address_is_used_for_links_and_allowed():
    served = served_at("demo.example.org:8080", {}, this_machine)

    assert served.site_url == "http://demo.example.org:8080"
    assert "demo.example.org" in served.allowed_hosts
    assert "127.0.0.1" in served.allowed_hosts


def test_an_ipv6_address_is_bracketed_in_links_and_hosts():
    served = served_at("[::1]:8002", {}, this_machine)

    assert served.site_url == "http://[::1]:8002"
    assert "[::1]" in served.allowed_hosts


@pytest.mark.parametrize("address", ["0.0.0.0:8000", "0:8000", "[::]:8000"])
def test_every_interface_answers_to_the_machines_names_and_links_use_its_address(address):
    served = served_at(address, {}, this_machine)

    assert served.site_url == "http://192.0.2.2:8000"
    assert served.allowed_hosts == [
        "127.0.0.1",
        "localhost",
        "[::1]",
        "vm",
        "192.0.2.2",
        "[fd00::2]",
    ]


def test_a_machine_without_addresses_links_to_its_host_name():
    served = served_at("0.0.0.0:8000", {}, lambda: ["vm"])

    assert served.site_url == "http://vm:8000"
    assert "vm" in served.allowed_hosts


def test_variables_the_developer_set_win():
    environ = {
        "UNBUNDLED_SITE_URL": "https://unbundled.example.org",
        "DJANGO_ALLOWED_HOSTS": "unbundled.example.org, proxy.internal",
    }

    served = served_at("0.0.0.0:8000", environ, this_machine)

    assert served.site_url == "https://unbundled.example.org"
    assert served.allowed_hosts == ["unbundled.example.org", "proxy.internal"]


@pytest.mark.parametrize("address", ["", "x y", "host:port", "127.0.0.1:"])
def test_an_address_runserver_would_refuse_is_refused(address, capsys):
    with pytest.raises(ValueError, match="not a port number"):
        served_at(address, {}, this_machine)

    assert main([address], {}) == 2
    assert "not a port number" in capsys.readouterr().err


def test_main_prints_the_site_url_and_the_hosts(capsys):
    assert main(["8003"], {}) == 0

    assert capsys.readouterr().out.splitlines() == [
        "http://127.0.0.1:8003",
        "127.0.0.1,localhost,[::1]",
    ]


@pytest.mark.django_db
def test_notification_links_and_host_checks_follow_the_derived_values():
    served = served_at("0.0.0.0:8004", {}, this_machine)

    with override_settings(SITE_URL=served.site_url, ALLOWED_HOSTS=served.allowed_hosts):
        link = build_absolute_url(reverse("portfolio:email-settings"))
        from_the_network = Client(HTTP_HOST="192.0.2.2:8004").get("/")
        by_name = Client(HTTP_HOST="vm:8004").get("/")
        unknown = Client(HTTP_HOST="elsewhere.example:8004").get("/")

    assert link == "http://192.0.2.2:8004" + reverse("portfolio:email-settings")
    assert from_the_network.status_code == 200
    assert by_name.status_code == 200
    assert unknown.status_code == 400


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Straight to loopback, whatever proxy the environment names.
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def get_status(url, host):
    request = urllib.request.Request(url, headers={"Host": host})  # noqa: S310  # loopback
    try:
        with _direct.open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.scripts
def test_bin_run_on_every_interface_answers_other_hosts_and_says_where_links_point(tmp_path):
    port = free_port()
    env = clean_environment(tmp_path)
    # bin/run serves config.settings, as a developer gets it, not the test settings.
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = tmp_path / "bin-run.log"
    with log.open("w") as output:
        server = subprocess.Popen(  # noqa: S603  # our own script, fixed arguments
            [str(BASE_DIR / "bin" / "run"), f"0.0.0.0:{port}"],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        hostname = socket.gethostname()
        deadline = time.monotonic() + 240
        status = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status = get_status(f"http://127.0.0.1:{port}/", f"{hostname}:{port}")
                break
            except OSError:
                time.sleep(1)
        banner = log.read_text()
        assert status == 200, banner
        assert get_status(f"http://127.0.0.1:{port}/", f"elsewhere.example:{port}") == 400
        assert f":{port} (set UNBUNDLED_SITE_URL to change it)" in banner
        assert "Links in e-mails point at http://127.0.0.1:8000" not in banner
        assert hostname in banner.split("The site answers to:")[1].splitlines()[0]
    finally:
        # The whole session: bin/run's runserver and its autoreloader child.
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
