#!/usr/bin/env bash
# The project's single test command (README and CI call it).
#
#   scripts/test.sh                  everything: install what is missing, Swift tests on SQLite,
#                                    Swift tests on a throwaway PostgreSQL, browser tests
#   scripts/test.sh --only swift     Swift tests on SQLite only
#   scripts/test.sh --only postgres  Swift tests on PostgreSQL only
#   scripts/test.sh --only e2e       browser tests only (builds the `ava` product first)
#   scripts/test.sh --only setup     only install what the tests need
#
# Installs are idempotent: when everything is present they cost a second or two.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }

only=""
while [ "$#" -gt 0 ]; do
    case "$1" in
        --only) [ "$#" -ge 2 ] || { usage >&2; exit 2; }; only=$2; shift 2 ;;
        --only=*) only=${1#--only=}; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "test.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
case "$only" in
    ""|swift|postgres|e2e|setup) ;;
    *) echo "test.sh: --only takes swift, postgres, e2e or setup, not '$only'" >&2; exit 2 ;;
esac
# Whether this run includes a part (setup installs what every part needs, and runs none).
wants() { [ -z "$only" ] || [ "$only" = "$1" ] || [ "$only" = setup ]; }
runs() { [ "$only" != setup ] && wants "$1"; }

step() { printf '\n==> %s\n' "$*"; }

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore

# --- a. install what is missing ------------------------------------------------------------------

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else echo "test.sh: need root to run: $*" >&2; return 1
    fi
}

deb_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

have_postgres() {
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then return 0; fi
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && return 0
    done
    return 1
}

apt_updated=""
apt_install() {
    [ "$#" -gt 0 ] || return 0
    echo "installing with apt: $*"
    if [ -z "$apt_updated" ]; then
        as_root apt-get update -qq
        apt_updated=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Installs a Python package for `python3` (the interpreter the Swift tests call), whatever it is:
# pyenv's or a virtualenv's (pip works), Debian's (externally managed: its apt package instead).
python3_install() {
    local module=$1 pip_name=$2 deb_name=$3
    python3 -c "import $module" >/dev/null 2>&1 && return 0
    echo "installing $pip_name for $(command -v python3)"
    python3 -m pip install -q "$pip_name" 2>/dev/null ||
        apt_install "$deb_name" ||
        python3 -m pip install -q --break-system-packages "$pip_name"
    python3 -c "import $module"
}

venv=$root/.venv-e2e
venv_ready() { [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import playwright, pytest, aiosmtpd, pyotp, zxingcpp, pytest_timeout, pytest_rerunfailures' >/dev/null 2>&1; }

step "Checking tools (installing only what is missing)"
missing=()
if { wants postgres; } && ! have_postgres; then missing+=(postgresql); fi
pkgs=(openssl)
if wants e2e; then pkgs+=(chromium fonts-liberation fonts-noto-color-emoji fonts-noto-core); fi
for p in "${pkgs[@]}"; do deb_installed "$p" || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then apt_install "${missing[@]}"; fi
if wants swift || wants postgres; then
    # The Swift tests' fake SMTP server is a small aiosmtpd script run with python3.
    python3_install aiosmtpd aiosmtpd python3-aiosmtpd
    # The QR code tests compare with segno's matrices and read the codes back with ZXing.
    python3_install segno segno python3-segno
    python3_install zxingcpp zxing-cpp python3-zxing-cpp
    # Fernet interoperability and the Vapi contract's JSON-schema validation.
    python3_install cryptography cryptography python3-cryptography
    python3_install openapi_schema_validator openapi-schema-validator python3-openapi-schema-validator
    # The calendar feed test parses AVA's ICS with the icalendar package.
    python3_install icalendar icalendar python3-icalendar
fi
if wants e2e && ! venv_ready; then
    echo "setting up $venv"
    if [ ! -x "$venv/bin/python" ]; then
        rm -rf "$venv"
        if ! python3 -m venv "$venv" 2>/dev/null; then
            rm -rf "$venv"
            apt_install python3-venv
            /usr/bin/python3 -m venv "$venv"
        fi
    fi
    "$venv/bin/pip" install -q -r e2e/requirements.txt
    venv_ready
fi
echo "tools ready"

# --- b. Swift tests on SQLite --------------------------------------------------------------------

if runs swift; then
    step "Building (swift build --build-tests)"
    swift build --build-tests
    step "Swift tests on SQLite (swift test)"
    # At most 6 tests at once: these machines have 2 cores, and tests that time real HTTP and database
    # round trips (rate limits, concurrency, fakes) need the cores they wait for.
    env -u DATABASE_URL swift test --experimental-maximum-parallelization-width 6
fi

# --- c. Swift tests on PostgreSQL ----------------------------------------------------------------

if runs postgres; then
    step "Swift tests on a throwaway PostgreSQL (scripts/with-postgres.sh swift test)"
    scripts/with-postgres.sh swift test --experimental-maximum-parallelization-width 6
fi

# --- d. browser tests ----------------------------------------------------------------------------

if runs e2e; then
    step "Building the server for the browser tests (swift build --product ava)"
    swift build --product ava
    AVA_BIN="$(swift build --show-bin-path)/ava"
    export AVA_BIN
    step "Browser tests (pytest e2e against $AVA_BIN, Chromium $(/usr/lib/chromium/chromium --version 2>/dev/null | awk '{print $2}'))"
    status=0
    # A failed browser test gets one more try (shown as R in the output, and listed at the end): a Chromium page
    # that never answered its close held a whole run once. A test that fails twice fails the run.
    "$venv/bin/pytest" e2e -q --reruns 1 -r R || status=$?
    echo
    echo "Screenshots: $root/e2e/screenshots/"
    [ "$status" -eq 0 ] || exit "$status"
fi

if [ "$only" = setup ]; then step "Setup done"; else step "All requested tests passed${only:+ (--only $only)}"; fi
