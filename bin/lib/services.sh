# shellcheck shell=bash
# Sourced, not run. Defines ensure_postgres, ensure_redis and ensure_nats: each returns
# at once if its service answers on 127.0.0.1, else starts it (installing the Debian
# package first if it is missing) and waits for it. The integration tests need the real
# services (DESIGN.md §8), so a service we cannot bring up is an error, never a skip.
# ensure_chromium and ensure_prometheus install what the web UI and observability tests run
# (no service to start).
# Functions `return` instead of `exit` so an interactive shell that sources this survives.

REYNA_SERVICE_WAIT=${REYNA_SERVICE_WAIT:-30} # seconds to wait for a started service

_svc_log() { echo "services.sh: $*" >&2; }
_svc_fail() {
  _svc_log "ERROR: $*"
  return 1
}

# Succeeds if something accepts TCP connections on $1:$2 (bash's /dev/tcp, no extra tools).
# shellcheck disable=SC2016 # $1/$2 expand in the inner bash, on purpose
_port_open() { timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null; }

# Waits up to REYNA_SERVICE_WAIT seconds for the command "$@" to succeed.
_wait_until() {
  local i
  for ((i = 0; i < REYNA_SERVICE_WAIT; i++)); do
    "$@" && return 0
    sleep 1
  done
  "$@"
}

# apt-get install, as root only; `apt-get update` first because fresh machines often
# have empty package lists (done once per shell).
_SVC_APT_UPDATED=0
_apt_install() {
  [[ $(id -u) == 0 ]] || _svc_fail "'$*' is not installed and only root can install it" || return 1
  command -v apt-get >/dev/null || _svc_fail "'$*' is not installed and apt-get is missing" || return 1
  _svc_log "installing Debian package(s): $*"
  if ((!_SVC_APT_UPDATED)); then
    apt-get update -q >&2 || _svc_fail "apt-get update failed" || return 1
    _SVC_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >&2 || _svc_fail "apt-get install $* failed"
}

# ---------------------------------------------------------------- PostgreSQL, 5432
_pg_up() {
  if command -v pg_isready >/dev/null; then
    # pg_isready also says "no" while the server is still starting up or recovering.
    pg_isready -q -h 127.0.0.1 -p 5432
  else
    _port_open 127.0.0.1 5432
  fi
}

# Newest cluster version under /etc/postgresql (normally the only one, e.g. "15").
_pg_version() {
  local v
  v=$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -V | tail -n 1)
  [[ -n $v ]] && echo "$v"
}

ensure_postgres() {
  local fresh=0 ver hba
  _pg_up && return 0
  if ! command -v pg_ctlcluster >/dev/null || ! _pg_version >/dev/null; then
    _apt_install postgresql || return 1
    fresh=1
  fi
  ver=$(_pg_version) || _svc_fail "PostgreSQL is installed but has no cluster in /etc/postgresql" || return 1
  if ((fresh)); then
    # Our machines let loopback TCP in without a password (tests use user postgres, no
    # password); a fresh Debian cluster wants scram. pg_hba is first-match: prepend.
    hba=/etc/postgresql/$ver/main/pg_hba.conf
    if ! grep -Eq '^host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
      sed -i '1i # Added by bin/lib/services.sh: loopback TCP without a password, as on our CI machines.\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    fi
  fi
  _svc_log "starting PostgreSQL $ver"
  # Exits non-zero if the package's postinst already started it: the wait below decides.
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start >&2 || true
  # Re-read pg_hba in case the cluster was already running with the old one.
  if ((fresh)); then pg_ctlcluster --skip-systemctl-redirect "$ver" main reload >&2 || true; fi
  _wait_until _pg_up || _svc_fail "PostgreSQL is not accepting connections on 127.0.0.1:5432" \
    "after ${REYNA_SERVICE_WAIT}s; see /var/log/postgresql/postgresql-$ver-main.log" || return 1
  if ((fresh)); then
    # Our machines also have a database named test; create it the same way.
    if [[ -z $(psql -h 127.0.0.1 -U postgres -Atc "select 1 from pg_database where datname = 'test'") ]]; then
      psql -h 127.0.0.1 -U postgres -qc 'create database test' >&2 || _svc_fail "could not create database test" || return 1
    fi
  fi
}

# ---------------------------------------------------------------- Redis, 6379
_redis_up() {
  if command -v redis-cli >/dev/null; then
    [[ $(timeout 2 redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null) == PONG ]]
  else
    _port_open 127.0.0.1 6379
  fi
}

ensure_redis() {
  _redis_up && return 0
  if ! command -v redis-server >/dev/null; then
    _apt_install redis-server || return 1
    # The package's own start script may already have started it.
    _redis_up && return 0
  fi
  _svc_log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  # Same flags as our machines: nothing kept on disk, loopback only.
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log >&2 ||
    _svc_fail "redis-server failed to start; see /var/log/redis/ci.log" || return 1
  _wait_until _redis_up || _svc_fail "Redis does not answer PING on 127.0.0.1:6379" \
    "after ${REYNA_SERVICE_WAIT}s; see /var/log/redis/ci.log"
}

# ---------------------------------------------------------------- NATS + JetStream, 4222
# Prints the INFO line a NATS server sends to every new client; it says whether JetStream is on.
# shellcheck disable=SC2016 # $line expands in the inner bash, on purpose
_nats_info() {
  timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/4222 && IFS= read -r -t 2 line <&3 && echo "$line"' 2>/dev/null
}
_nats_up() { [[ $(_nats_info) == INFO* ]]; }

ensure_nats() {
  if ! _nats_up; then
    if ! command -v nats-server >/dev/null; then _apt_install nats-server || return 1; fi
    _svc_log "starting NATS with JetStream"
    mkdir -p /var/lib/nats-server
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
      -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log >&2 ||
      _svc_fail "nats-server failed to start; see /var/log/nats-server.log" || return 1
    _wait_until _nats_up || _svc_fail "NATS is not answering on 127.0.0.1:4222" \
      "after ${REYNA_SERVICE_WAIT}s; see /var/log/nats-server.log" || return 1
  fi
  # A NATS started without -js would make the JetStream tests fail obscurely: say so here.
  [[ $(_nats_info) == *'"jetstream":true'* ]] ||
    _svc_fail "the NATS server on 127.0.0.1:4222 runs without JetStream; restart it with -js"
}

# ---------------------------------------------------------------- Chromium, for the web UI tests
# The browser tests (app/src/test/java/studio/reyna/app/browser) drive Debian's Chromium through
# Playwright, which must never download a browser of its own.
REYNA_CHROMIUM=/usr/bin/chromium

# delete_nats_stream URL STREAM deletes a JetStream stream (best effort; fails if it could not),
# through the NATS text protocol: no CLI needed.
delete_nats_stream() {
  local hostport=${1#nats://}
  hostport=${hostport%%/*} hostport=${hostport##*@}
  # shellcheck disable=SC2016 # expanded by the inner shell
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/$1/$2" || exit 1
    read -r -t 2 _ <&3
    printf "CONNECT {\"verbose\":false}\r\nSUB _INBOX.reyna-delete 1\r\nPUB \$JS.API.STREAM.DELETE.%s _INBOX.reyna-delete 0\r\n\r\n" "$3" >&3
    while read -r -t 3 line <&3; do [[ $line == MSG* ]] && exit 0; done
    exit 1' _ "${hostport%:*}" "${hostport##*:}" "$2" >/dev/null 2>&1
}

# ensure_nginx installs nginx (Debian's package) for bin/cluster, which runs it with a
# configuration of its own; the package's own service is not started here.
ensure_nginx() {
  command -v nginx >/dev/null || _apt_install --no-install-recommends nginx
}

# ensure_prometheus installs Prometheus and promtool (Debian's package), which the observability
# test runs against a studio; nothing is started here.
ensure_prometheus() {
  if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
    _apt_install --no-install-recommends prometheus || return 1
    command -v promtool >/dev/null || _svc_fail "the prometheus package did not install promtool" || return 1
  fi
}

ensure_chromium() {
  if [[ ! -x $REYNA_CHROMIUM ]]; then
    _apt_install chromium || return 1
    [[ -x $REYNA_CHROMIUM ]] || _svc_fail "the chromium package did not install $REYNA_CHROMIUM" || return 1
  fi
  export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
}
