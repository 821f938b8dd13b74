"""Where bin/run serves the demo: the site URL and host names for runserver's address.

E-mail links are built from SITE_URL, so they must point where runserver actually listens, not
at the default port; and Django answers 400 to any Host header not in ALLOWED_HOSTS, so a demo
bound to every interface must list the names other machines reach it by. Variables the
developer has set win over both. bin/run runs `python -m config.run_address ADDRESS` and
exports the two lines it prints.
"""

import ipaddress
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.core.management.commands.runserver import naiveip_re

# runserver's own default and the names the settings allow without DJANGO_ALLOWED_HOSTS.
DEFAULT_HOST = "127.0.0.1"
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]"]


@dataclass(frozen=True)
class ServedAt:
    site_url: str
    allowed_hosts: list[str]


def find_machine_hosts() -> list[str]:
    """This machine's host name and its addresses, except loopback and link-local ones.

    `hostname -I` reads the interfaces without asking DNS; where it does not exist (it is
    Debian's and Ubuntu's), the host name alone is returned.
    """
    hosts = [socket.gethostname()]
    hostname = shutil.which("hostname")
    if hostname:
        try:
            listed = subprocess.run(  # noqa: S603  # a fixed command, no user input
                [hostname, "-I"], capture_output=True, text=True, timeout=5, check=True
            ).stdout.split()
        except (OSError, subprocess.SubprocessError):
            listed = []
        hosts.extend(listed)
    return hosts


def format_url_host(host: str) -> str:
    """`host` as it appears in a URL and in a Host header: IPv6 addresses in brackets."""
    try:
        return f"[{host}]" if ipaddress.ip_address(host).version == 6 else host
    except ValueError:
        return host


def is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def is_unspecified(host: str) -> bool:
    """True for the wildcard addresses that mean "every interface" (0, 0.0.0.0, ::)."""
    if host == "0":  # runserver reads a bare 0 as 0.0.0.0
        return True
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def served_at(
    address: str,
    environ: Mapping[str, str],
    list_machine_hosts: Callable[[], list[str]] = find_machine_hosts,
) -> ServedAt:
    """The site URL and allowed hosts for `runserver ADDRESS` (port, host:port or [ipv6]:port)."""
    match = re.match(naiveip_re, address)
    if match is None:
        raise ValueError(f'"{address}" is not a port number or an address:port pair.')
    host = (match["addr"] or DEFAULT_HOST).strip("[]")
    port = match["port"]

    hosts = list(LOOPBACK_HOSTS)
    if is_unspecified(host):
        named = [format_url_host(name) for name in list_machine_hosts() if name]
        hosts += named
        # Links in e-mails open on other machines too: prefer an address, which needs no DNS.
        addresses = [name for name in named if is_address(name.strip("[]"))]
        link_host = (addresses or named or [DEFAULT_HOST])[0]
    else:
        link_host = format_url_host(host)
        hosts.append(link_host)

    site_url = environ.get("UNBUNDLED_SITE_URL") or f"http://{link_host}:{port}"
    allowed = environ.get("DJANGO_ALLOWED_HOSTS")
    allowed_hosts = (
        [name.strip() for name in allowed.split(",") if name.strip()]
        if allowed is not None
        else list(dict.fromkeys(hosts))
    )
    return ServedAt(site_url=site_url, allowed_hosts=allowed_hosts)


def main(argv: list[str], environ: Mapping[str, str]) -> int:
    if len(argv) != 1:
        print("usage: python -m config.run_address ADDRESS", file=sys.stderr)
        return 2
    try:
        served = served_at(argv[0], environ)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    print(served.site_url)
    print(",".join(served.allowed_hosts))
    return 0


if __name__ == "__main__":
    import os

    sys.exit(main(sys.argv[1:], os.environ))
