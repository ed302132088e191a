#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster.
#
#   scripts/with-postgres.sh make test
#   scripts/with-postgres.sh make bench
#   scripts/with-postgres.sh bash -c 'psql "$DATABASE_URL" -c "select version()"'
#
# A fresh cluster is created with initdb (trust auth, UTF8, superuser role
# "postgres"), started on a free 127.0.0.1 port, a database "suiban" is
# created, and the command runs with
#   DATABASE_URL=postgres://postgres@127.0.0.1:PORT/suiban
# (plus PGHOST/PGPORT/PGUSER/PGDATABASE so a bare `psql` works).
# The cluster is stopped and its folder removed on exit, whatever happens.
# The exit code is the command's.
#
# Environment:
#   SUIBAN_PG_KEEP=1       keep the temporary data folder (path is printed).
#   SUIBAN_PG_DATA=/path   use a persistent data folder: initdb only if it is
#                          absent or empty; it is never deleted.
#   SUIBAN_PG_BINDIR=/dir  directory holding initdb/pg_ctl/postgres (optional).
#
# When run as root, the server runs as the "postgres" OS user (created if
# missing). Otherwise it runs as the current user.
#
# The file can also be sourced (e.g. by .ci/run) to reuse suiban_pg_find_bindir.

suiban_pg_log() { printf '[with-postgres] %s\n' "$*" >&2; }

# Print the directory holding initdb, pg_ctl and postgres; non-zero if none.
suiban_pg_find_bindir() {
    local d
    local -a candidates=()
    [[ -n "${SUIBAN_PG_BINDIR:-}" ]] && candidates+=("$SUIBAN_PG_BINDIR")
    candidates+=(/usr/local/bin /usr/lib/postgresql/15/bin)
    # Any other installed major version, newest first.
    while IFS= read -r d; do
        candidates+=("$d")
    done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -rV)
    d=$(command -v initdb 2>/dev/null || true)
    [[ -n "$d" ]] && candidates+=("$(dirname "$d")")
    for d in "${candidates[@]}"; do
        if [[ -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" ]]; then
            printf '%s\n' "$d"
            return 0
        fi
    done
    return 1
}

# Run a command as the server's OS user, from / (that user may not be able
# to read the current directory).
_pg() { (cd / && "${_SUIBAN_PG_AS[@]}" "$@"); }

# EXIT trap: stop the cluster, remove the temporary folders, keep the exit code.
# shellcheck disable=SC2317  # invoked via trap
_suiban_pg_cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM HUP
    if [[ "$_SUIBAN_PG_STARTED" == 1 && -f "$_SUIBAN_PG_DATA/postmaster.pid" ]]; then
        _pg "$_SUIBAN_PG_BIN/pg_ctl" -D "$_SUIBAN_PG_DATA" -m fast -w -t 60 stop >/dev/null 2>&1 \
            || _pg "$_SUIBAN_PG_BIN/pg_ctl" -D "$_SUIBAN_PG_DATA" -m immediate -w stop >/dev/null 2>&1 \
            || suiban_pg_log "WARNING: could not stop the cluster in $_SUIBAN_PG_DATA"
    fi
    if [[ -z "$_SUIBAN_PG_DATA" ]]; then
        :
    elif [[ "$_SUIBAN_PG_PERSISTENT" == 1 ]]; then
        [[ -n "$_SUIBAN_PG_SOCK" ]] && rm -rf "$_SUIBAN_PG_SOCK"
        suiban_pg_log "kept persistent data folder $_SUIBAN_PG_DATA"
    elif [[ "$_SUIBAN_PG_KEEP" == 1 ]]; then
        suiban_pg_log "kept data folder $_SUIBAN_PG_DATA (SUIBAN_PG_KEEP=1)"
    else
        rm -rf "$_SUIBAN_PG_DATA"
    fi
    exit "$rc"
}

_suiban_pg_main() {
    set -euo pipefail

    if [[ $# -eq 0 ]]; then
        echo "usage: $0 COMMAND [ARGS...]" >&2
        return 2
    fi

    local bindir
    if ! bindir=$(suiban_pg_find_bindir); then
        suiban_pg_log "no initdb/pg_ctl/postgres found (looked in /usr/local/bin, /usr/lib/postgresql/*/bin, PATH)"
        suiban_pg_log "install the 'postgresql' package or set SUIBAN_PG_BINDIR"
        return 1
    fi
    # psql: prefer the one next to the server binaries (pg_ctl may be a symlink).
    local psql
    local realbin
    realbin=$(dirname "$(readlink -f "$bindir/pg_ctl")")
    if [[ -x "$bindir/psql" ]]; then
        psql="$bindir/psql"
    elif [[ -x "$realbin/psql" ]]; then
        psql="$realbin/psql"
    elif psql=$(command -v psql); then
        :
    else
        suiban_pg_log "psql not found (install postgresql-client)"
        return 1
    fi

    # --- who runs the server -------------------------------------------------
    _SUIBAN_PG_AS=()
    local pg_owner=""
    if [[ $EUID -eq 0 ]]; then
        if ! id -u postgres >/dev/null 2>&1; then
            suiban_pg_log "creating OS user postgres"
            useradd --system --user-group --no-create-home \
                --home-dir /nonexistent --shell /usr/sbin/nologin postgres
        fi
        pg_owner=postgres
        if command -v runuser >/dev/null 2>&1; then
            _SUIBAN_PG_AS=(runuser -u postgres --)
        else
            _SUIBAN_PG_AS=(setpriv --reuid=postgres --regid=postgres --init-groups --)
        fi
    fi

    # --- cleanup on exit ------------------------------------------------------
    # Globals for the EXIT trap (locals are gone by the time it runs).
    _SUIBAN_PG_DATA="" _SUIBAN_PG_SOCK="" _SUIBAN_PG_BIN=$bindir
    _SUIBAN_PG_PERSISTENT=0 _SUIBAN_PG_KEEP=0 _SUIBAN_PG_STARTED=0
    trap _suiban_pg_cleanup EXIT
    trap 'exit 129' HUP
    trap 'exit 130' INT
    trap 'exit 143' TERM

    # --- data folder --------------------------------------------------------
    local data sockdir persistent=0 keep=0
    local tmpbase=/tmp
    [[ $EUID -ne 0 ]] && tmpbase="${TMPDIR:-/tmp}"
    [[ "${SUIBAN_PG_KEEP:-0}" == 1 ]] && keep=1
    _SUIBAN_PG_KEEP=$keep
    if [[ -n "${SUIBAN_PG_DATA:-}" ]]; then
        persistent=1
        _SUIBAN_PG_PERSISTENT=1
        mkdir -p "$SUIBAN_PG_DATA"
        data=$(cd "$SUIBAN_PG_DATA" && pwd -P)
        _SUIBAN_PG_DATA=$data
        # Keep the socket path short (unix socket paths are limited to ~100 bytes).
        sockdir=$(mktemp -d "$tmpbase/suiban-pgsock.XXXXXX")
        _SUIBAN_PG_SOCK=$sockdir
        chmod 755 "$sockdir"
    else
        data=$(mktemp -d "$tmpbase/suiban-pg.XXXXXX")
        sockdir=$data
        _SUIBAN_PG_DATA=$data _SUIBAN_PG_SOCK=$data
    fi
    if [[ -n "$pg_owner" ]]; then
        chown "$pg_owner:" "$sockdir"
        [[ $persistent -eq 0 || -z "$(ls -A "$data")" ]] && chown "$pg_owner:" "$data"
    fi
    chmod 700 "$data"

    local started=0

    # --- initdb -------------------------------------------------------------
    if [[ -z "$(ls -A "$data")" ]]; then
        local locale=C.UTF-8
        if ! locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
            locale=C
        fi
        suiban_pg_log "initdb $data (locale $locale)"
        local out
        if ! out=$(_pg "$bindir/initdb" -D "$data" -U postgres --encoding=UTF8 \
            --locale="$locale" --auth=trust 2>&1); then
            printf '%s\n' "$out" >&2
            return 1
        fi
    elif [[ ! -f "$data/PG_VERSION" ]]; then
        suiban_pg_log "$data is not empty and is not a PostgreSQL data folder"
        return 1
    else
        suiban_pg_log "reusing cluster in $data"
    fi

    # --- start on a free port (retry in case another process grabs it) ------
    local port attempt
    _SUIBAN_PG_STARTED=1 # from here on, the trap stops whatever is running
    for attempt in 1 2 3; do
        port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        if _pg "$bindir/pg_ctl" -w -t 60 -D "$data" -l "$data/log" \
            -o "-c listen_addresses=127.0.0.1 -p $port -c fsync=off -c synchronous_commit=off -c full_page_writes=off -k $sockdir" \
            start >/dev/null; then
            started=1
            break
        fi
        suiban_pg_log "start on port $port failed (attempt $attempt); server log:"
        tail -n 20 "$data/log" >&2 || true
    done
    if [[ $started -ne 1 ]]; then
        return 1
    fi
    suiban_pg_log "PostgreSQL $("$bindir/postgres" -V | awk '{print $3}') listening on 127.0.0.1:$port"

    # --- database ------------------------------------------------------------
    local -a psql_admin=("$psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1)
    if [[ "$("${psql_admin[@]}" -tAc "select 1 from pg_database where datname = 'suiban'")" != 1 ]]; then
        "${psql_admin[@]}" -c 'CREATE DATABASE suiban'
    fi

    export DATABASE_URL="postgres://postgres@127.0.0.1:$port/suiban"
    export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres PGDATABASE=suiban
    suiban_pg_log "DATABASE_URL=$DATABASE_URL"

    # --- the command -------------------------------------------------------
    local rc=0
    "$@" || rc=$?
    return "$rc"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    _suiban_pg_main "$@"
    exit $?
fi
