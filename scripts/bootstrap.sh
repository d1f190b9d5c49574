# Shared set-up for ./run-engine and ./run-tests: system libraries, a virtualenv, the package.
# Sourced, not run. Usage: bootstrap "" | bootstrap test
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

_apt_install() {
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    elif command -v sudo >/dev/null 2>&1; then
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    else
        return 1
    fi
}

bootstrap() {
    local extras="${1:-}"
    local python="${PYTHON:-python3}"
    if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        echo "disputes: Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)" >&2
        exit 1
    fi
    local missing=()
    # WeasyPrint renders the evidence PDFs through Pango.
    ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
    "$python" -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
    if [ "$extras" = "test" ] && [ ! -x /usr/bin/chromium ]; then
        missing+=(chromium)  # the dashboard's browser tests drive Debian's Chromium
    fi
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "disputes: installing system packages: ${missing[*]}" >&2
        _apt_install "${missing[@]}" || {
            echo "disputes: please install these Debian packages first: ${missing[*]}" >&2
            exit 1
        }
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        echo "disputes: creating $VENV" >&2
        "$python" -m venv "$VENV"
        "$VENV/bin/python" -m pip install -q --upgrade pip
    fi
    local spec="$ROOT"
    [ -n "$extras" ] && spec="$ROOT[$extras]"
    local stamp="$VENV/.installed-${extras:-base}"
    if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
        echo "disputes: installing the engine${extras:+ with its $extras tools} into $VENV" >&2
        "$VENV/bin/python" -m pip install -q -e "$spec"
        touch "$stamp"
    fi
}
