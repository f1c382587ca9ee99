# Shared helpers for scripts/: sourced, never run.
# Loopback URLs every service, test and benchmark uses unless overridden.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEV_DIR="${OUTBOUND_DEV_DIR:-$ROOT/.dev}"
export NATS_URL="${NATS_URL:-nats://127.0.0.1:4222}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export DATABASE_URL="${DATABASE_URL:-postgres://outbound:outbound@127.0.0.1:5432/outbound}"

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# host and port out of a URL like scheme://user:pw@host:port/path
url_host() { local u="${1#*://}"; u="${u##*@}"; u="${u%%/*}"; printf '%s' "${u%:*}"; }
url_port() { local u="${1#*://}"; u="${u##*@}"; u="${u%%/*}"; printf '%s' "${u##*:}"; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# Wait until host:port accepts connections, at most $3 seconds.
wait_port() {
  local host=$1 port=$2 limit=${3:-30} i=0
  while ! port_open "$host" "$port"; do
    i=$((i + 1)); [ "$i" -gt $((limit * 10)) ] && return 1; sleep 0.1
  done
}

# PostgreSQL refuses to run as root, so its data must be reachable by the postgres user. When the
# clone sits under a folder that user cannot enter (e.g. /root), keep the cluster in postgres's home.
pg_data_dir() {
  if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$DEV_DIR" 2>/dev/null; then
    printf '/var/lib/postgresql/outbound-dev-%s' "$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)"
  else
    printf '%s/pg' "$DEV_DIR"
  fi
}

apt_updated=0
# Installs a Debian package when its program (on PATH) or file is missing; needs root then.
ensure_pkg() { # ensure_pkg <binary-path> <debian-package>
  command -v "$1" >/dev/null 2>&1 || [ -e "$1" ] && return 0
  [ "$(id -u)" = 0 ] || die "$2 is not installed and installing it needs root (apt-get install $2)"
  if [ "$apt_updated" = 0 ]; then
    log "apt-get update"; DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null; apt_updated=1
  fi
  log "installing $2"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null
}
