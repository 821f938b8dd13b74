# shellcheck shell=bash
# Shared functions for bin/run, bin/test, bin/worker, bin/lock and .ci/run. Source it; do not run it.
#
# Every function works from the repository root, whatever directory the caller started in.

UNBUNDLED_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$UNBUNDLED_ROOT" || exit 1

VENV_DIR="$UNBUNDLED_ROOT/.venv"
VENV_PYTHON="$VENV_DIR/bin/python"
INSTALL_STAMP="$VENV_DIR/.unbundled-installed"
LOCK_FILE="$UNBUNDLED_ROOT/requirements.lock"
MIN_PYTHON_LABEL="3.12"

say() { printf '%s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
    printf '\nerror: %s\n' "$*" >&2
    exit 1
}

# Succeeds only if running "$1" really works and reports Python >= 3.12. pyenv shims for a
# version that is not selected exist on PATH but fail when run, so finding one is not enough.
python_is_usable() {
    "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1
}

python_version_of() {
    "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null
}

# Prints the path of a Python 3.12+ interpreter, or explains how to get one and exits.
# Order: $PYTHON, python3.13, python3.12, the newest pyenv-installed 3.12+, python3.
find_python() {
    local candidates=() candidate
    if [ -n "${PYTHON:-}" ]; then
        if python_is_usable "$PYTHON"; then
            printf '%s\n' "$PYTHON"
            return 0
        fi
        warn "PYTHON=$PYTHON does not run as Python $MIN_PYTHON_LABEL or newer; looking elsewhere."
    fi
    candidates+=(python3.13 python3.12)
    if command -v pyenv >/dev/null 2>&1; then
        local pyenv_root
        pyenv_root="$(pyenv root 2>/dev/null)"
        if [ -n "$pyenv_root" ] && [ -d "$pyenv_root/versions" ]; then
            # Newest first: sort the version directory names as versions, not as text.
            while IFS= read -r version; do
                candidates+=("$pyenv_root/versions/$version/bin/python3")
            done < <(find "$pyenv_root/versions" -mindepth 1 -maxdepth 1 -name '3.1[2-9]*' \
                -printf '%f\n' | sort -rV)
        fi
    fi
    candidates+=(python3)
    for candidate in "${candidates[@]}"; do
        if command -v "$candidate" >/dev/null 2>&1 && python_is_usable "$candidate"; then
            command -v "$candidate"
            return 0
        fi
    done
    printf '\n%s\n' "Unbundled needs Python $MIN_PYTHON_LABEL or newer. Install python3.12 (e.g. apt-get install python3.12 python3.12-venv) or set PYTHON=/path/to/python3.12" >&2
    exit 1
}

# Makes .venv and checks that the lock it was installed from satisfies pyproject.toml.
ensure_venv() {
    install_venv
    check_lock
}

# Makes .venv with a Python 3.12+ (re-creating it when it is missing, broken or too old) and
# installs exactly what requirements.lock pins, every file checked against its hash, then the
# project itself without dependencies. This only runs again when the lock, pyproject.toml or the
# Python version has changed since the last successful install. bin/lock uses it alone: the lock
# it is about to rewrite may not match pyproject.toml yet.
install_venv() {
    local python version digest
    if [ -e "$VENV_DIR" ] && ! { [ -x "$VENV_PYTHON" ] && python_is_usable "$VENV_PYTHON"; }; then
        say "The virtual environment in .venv is broken or older than Python $MIN_PYTHON_LABEL; re-creating it."
        rm -rf "$VENV_DIR"
    elif [ -e "$VENV_DIR/bin/pip" ] && ! grep -qF "$VENV_DIR/bin/python" <<<"$(head -n 3 "$VENV_DIR/bin/pip")"; then
        # A copied or moved virtual environment runs python but not its scripts (pytest,
        # mypy, celery), whose first line still names the old location.
        say "The virtual environment in .venv was made in another folder; re-creating it."
        rm -rf "$VENV_DIR"
    fi
    if [ ! -e "$VENV_DIR" ]; then
        python="$(find_python)" || exit 1
        version="$(python_version_of "$python")"
        if ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
            die "$python has no working venv/ensurepip module. On Debian or Ubuntu: sudo apt-get install python$version-venv"
        fi
        say "Creating .venv with Python $version ($python)"
        if ! "$python" -m venv "$VENV_DIR"; then
            rm -rf "$VENV_DIR"
            die "Could not create .venv with $python. On Debian or Ubuntu: sudo apt-get install python$version-venv"
        fi
    fi
    [ -f "$LOCK_FILE" ] || die "$(basename "$LOCK_FILE") is missing; write it with bin/lock."
    digest="$(python_version_of "$VENV_PYTHON") $(cat "$LOCK_FILE" pyproject.toml | sha256sum | cut -d' ' -f1)"
    if [ "$(cat "$INSTALL_STAMP" 2>/dev/null)" != "$digest" ]; then
        say "Installing Unbundled and its dev dependencies into .venv from $(basename "$LOCK_FILE") (uv) ..."
        install_uv
        # --no-deps: the lock is the whole environment, so nothing is resolved and nothing is
        # fetched that is not pinned and hashed. uv rather than pip: it downloads and installs
        # in parallel, a fresh .venv in seconds rather than minutes. The project is installed
        # after it, from this checkout, without build isolation: its build backend (setuptools)
        # is in the lock too. --compile-bytecode: where PYTHONDONTWRITEBYTECODE is set (as on
        # some CI machines) nothing would ever write the .pyc files, and every process the tests
        # start (xdist workers, Celery workers, bin/ scripts) would compile Django from source,
        # more than doubling its start-up.
        "$VENV_DIR/bin/uv" pip install --quiet --python "$VENV_PYTHON" \
            --require-hashes --no-deps --compile-bytecode -r "$LOCK_FILE" ||
            die "Installing $(basename "$LOCK_FILE") failed (see the messages above)."
        "$VENV_DIR/bin/uv" pip install --quiet --python "$VENV_PYTHON" \
            --no-deps --no-build-isolation --editable . ||
            die "Installing the project itself (uv pip install --no-deps -e .) failed (see the messages above)."
        printf '%s\n' "$digest" >"$INSTALL_STAMP"
    fi
    export PATH="$VENV_DIR/bin:$PATH"
    export VIRTUAL_ENV="$VENV_DIR"
}

# uv itself, with pip, at the version and hashes the lock pins (only its lines are read).
install_uv() {
    local pinned
    pinned="$(mktemp)"
    awk '/^uv==/ { found = 1 } found { print } found && !/\\$/ { exit }' "$LOCK_FILE" >"$pinned"
    [ -s "$pinned" ] || die "$(basename "$LOCK_FILE") pins no uv; write it with bin/lock."
    "$VENV_PYTHON" -m pip install --quiet --disable-pip-version-check \
        --require-hashes --no-deps -r "$pinned" ||
        die "Installing uv from $(basename "$LOCK_FILE") failed (see the messages above)."
    rm -f "$pinned"
}

# A dependency added to pyproject.toml without re-running bin/lock would be missing from .venv
# here and in CI, and tests would fail far from the cause. Checks every requirement of the
# project and of its dev extra against what is installed, and names the command that fixes it.
check_lock() {
    local problems
    problems="$("$VENV_PYTHON" - <<'PYTHON'
from importlib.metadata import PackageNotFoundError, requires, version

from packaging.requirements import Requirement

for line in requires("unbundled") or []:
    requirement = Requirement(line)
    if requirement.marker and not requirement.marker.evaluate({"extra": "dev"}):
        continue
    try:
        installed = version(requirement.name)
    except PackageNotFoundError:
        print(f"  {requirement}: not in the lock")
        continue
    if not requirement.specifier.contains(installed, prereleases=True):
        print(f"  {requirement}: the lock has {installed}")
PYTHON
)" || die "Could not compare $(basename "$LOCK_FILE") with pyproject.toml (see the messages above)."
    if [ -n "$problems" ]; then
        die "$(basename "$LOCK_FILE") does not match pyproject.toml:
$problems
Run bin/lock to update the lock, then commit both files."
    fi
}

# The shared-library cache, read once into a variable. (Piping ldconfig straight into
# `grep -q` fails under `set -o pipefail` whenever grep exits before ldconfig has finished.)
load_shared_libraries() {
    if [ -z "${_UNBUNDLED_LIBRARIES:-}" ]; then
        local ldconfig
        ldconfig="$(command -v ldconfig || echo /sbin/ldconfig)"
        _UNBUNDLED_LIBRARIES="$("$ldconfig" -p 2>/dev/null || true)"
    fi
}

has_shared_library() {
    load_shared_libraries
    grep -q "[[:space:]]$1 " <<<"$_UNBUNDLED_LIBRARIES"
}

# WeasyPrint (PDF credentials) loads Pango at run time and uses HarfBuzz's subsetter to keep
# embedded fonts small and fast. Pango is required; harfbuzz-subset is a warning.
check_system_libs() {
    local missing=()
    load_shared_libraries
    if [ -z "$_UNBUNDLED_LIBRARIES" ]; then
        warn "cannot list shared libraries (no ldconfig); make sure Pango is installed for WeasyPrint."
        return 0
    fi
    has_shared_library libpango-1.0.so.0 || missing+=(libpango-1.0-0)
    has_shared_library libpangoft2-1.0.so.0 || missing+=(libpangoft2-1.0-0)
    if [ "${#missing[@]}" -gt 0 ]; then
        has_shared_library libharfbuzz-subset.so.0 || missing+=(libharfbuzz-subset0)
        die "WeasyPrint needs Pango, which is not installed. On Debian or Ubuntu run:
    sudo apt-get install ${missing[*]}"
    fi
    if ! has_shared_library libharfbuzz-subset.so.0; then
        warn "libharfbuzz-subset0 is missing, so PDF font subsetting is slow. Install it with:
    sudo apt-get install libharfbuzz-subset0"
    fi
}

can_run_as_root() {
    [ "$(id -u)" -eq 0 ] || sudo -n true >/dev/null 2>&1
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    else
        sudo -n "$@"
    fi
}

# Installs Debian packages, refreshing the package lists only when apt does not know a package.
apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    if ! as_root apt-get install -y -qq --no-install-recommends "$@"; then
        as_root apt-get update -qq && as_root apt-get install -y -qq --no-install-recommends "$@"
    fi
}

chromium_path() {
    printf '%s\n' "${UNBUNDLED_CHROMIUM:-/usr/bin/chromium}"
}

# Browser tests drive Debian's chromium (never a browser downloaded by Playwright). Installs it
# when we may; otherwise says how and lets the browser tests skip themselves.
ensure_chromium() {
    local chromium
    chromium="$(chromium_path)"
    [ -x "$chromium" ] && return 0
    if [ -n "${UNBUNDLED_CHROMIUM:-}" ]; then
        warn "UNBUNDLED_CHROMIUM=$UNBUNDLED_CHROMIUM is not an executable file; browser tests will not run."
        return 0
    fi
    if command -v apt-get >/dev/null 2>&1 && can_run_as_root; then
        say "Installing Debian's chromium for the browser tests (apt-get install chromium) ..."
        apt_install chromium || warn "could not install chromium; browser tests will not run."
    else
        warn "Debian's chromium is not installed, so browser tests will be skipped. Install it with:
    sudo apt-get install chromium
or point UNBUNDLED_CHROMIUM at a Chromium binary."
    fi
}

# The interoperability tests (tests/interop/) drive Digital Bazaar's JavaScript VC libraries with
# Node.js. Where Node and npm are installed, installs exactly what tests/interop/package-lock.json
# pins (`npm ci`, from the npm registry), again only when the lock changes. Without Node the
# tests skip themselves (unless UNBUNDLED_REQUIRE_INTEROP=1; .ci/run installs Node and sets it).
ensure_interop_packages() {
    local folder="$UNBUNDLED_ROOT/tests/interop" stamp digest
    command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || return 0
    stamp="$folder/node_modules/.unbundled-lock-digest"
    digest="$(node --version) $(sha256sum "$folder/package-lock.json" | cut -d' ' -f1)"
    [ "$(cat "$stamp" 2>/dev/null)" = "$digest" ] && return 0
    say "Installing the JavaScript packages of the interoperability tests (npm ci in tests/interop) ..."
    if (cd "$folder" && npm ci --no-audit --no-fund --loglevel=error >/dev/null); then
        printf '%s\n' "$digest" >"$stamp"
    else
        warn "npm ci in tests/interop failed; the interoperability tests will fail."
    fi
}
