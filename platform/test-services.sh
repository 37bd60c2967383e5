#!/usr/bin/env bash
# What the test suite needs from the machine, used by `make test` and `.ci/run`.
#
#   platform/test-services.sh install [EXTRA_PACKAGE...]
#       Install the Debian packages the suite needs when they are missing (chromium,
#       redis-server, redis-tools, docker-compose, plus any extra ones such as postgresql or
#       wrk for `make bench`).
#       Needs root or passwordless sudo; otherwise it stops and prints the command to run.
#   platform/test-services.sh run COMMAND [ARG...]
#       The same check, then a private Redis on a free port (no persistence, in a temporary
#       folder), COMMAND run with REDIS_URL pointing at it, and the Redis stopped and its
#       folder removed when the script exits, whether COMMAND passed, failed or was
#       interrupted. Exits with COMMAND's status.
set -euo pipefail

say() { printf 'test-services: %s\n' "$*" >&2; }
die() { printf 'test-services: FAILED: %s\n' "$*" >&2; exit 1; }

CHROMIUM=${TANDEM_CHROMIUM:-/usr/bin/chromium}

# True when the package's program is already on this machine.
present() {
  case $1 in
    chromium) [ -x "$CHROMIUM" ] ;;
    redis-server) command -v redis-server >/dev/null 2>&1 ;;
    redis-tools) command -v redis-cli >/dev/null 2>&1 ;;
    docker-compose) command -v docker-compose >/dev/null 2>&1 ;;
    postgresql) compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null ;;
    postgresql-client) command -v psql >/dev/null 2>&1 ;;
    wrk) command -v wrk >/dev/null 2>&1 ;;
    *) dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed' ;;
  esac
}

install_packages() {
  local missing=() package
  for package in chromium redis-server redis-tools docker-compose "$@"; do
    present "$package" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0

  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo)
    else
      say "the test suite needs these Debian packages: ${missing[*]}"
      say "install them once with:"
      printf '\n    sudo apt-get update && sudo apt-get install -y %s\n\n' "${missing[*]}" >&2
      exit 1
    fi
  fi
  command -v apt-get >/dev/null 2>&1 \
    || die "missing ${missing[*]}, and apt-get is not here to install them: install them by hand"
  say "installing ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
    || die "apt-get update failed"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    "${missing[@]}" >/dev/null || die "could not install ${missing[*]}"
  for package in "${missing[@]}"; do
    present "$package" || die "$package was installed but its program is still missing"
  done
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

redis_dir=
redis_pid=

stop_redis() {
  if [ -n "$redis_pid" ] && kill -0 "$redis_pid" 2>/dev/null; then
    kill "$redis_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$redis_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
  fi
  redis_pid=
  if [ -n "$redis_dir" ]; then rm -rf "$redis_dir"; fi
}

# A Redis of the suite's own: another Redis on the machine is never read, written or flushed.
start_redis() {
  redis_dir=$(mktemp -d "${TMPDIR:-/tmp}/tandem-test-redis.XXXXXX")
  local port attempt
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
      --dir "$redis_dir" --logfile "$redis_dir/redis.log" --daemonize no \
      --protected-mode yes >/dev/null 2>&1 &
    redis_pid=$!
    for _ in $(seq 50); do
      if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]; then
        export REDIS_URL="redis://127.0.0.1:$port/0"
        say "private Redis on 127.0.0.1:$port (pid $redis_pid)"
        return 0
      fi
      kill -0 "$redis_pid" 2>/dev/null || break  # the port was taken meanwhile: try another
      sleep 0.1
    done
    say "Redis did not start on port $port (attempt $attempt): $(tail -n 3 "$redis_dir/redis.log" 2>/dev/null)"
    stop_redis
    redis_dir=$(mktemp -d "${TMPDIR:-/tmp}/tandem-test-redis.XXXXXX")
  done
  die "could not start a private Redis"
}

case ${1:-} in
  install)
    shift
    install_packages "$@"
    ;;
  run)
    shift
    [ $# -gt 0 ] || die "usage: $0 run COMMAND [ARG...]"
    install_packages
    trap stop_redis EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    start_redis
    export TANDEM_CHROMIUM=$CHROMIUM
    status=0
    "$@" || status=$?
    exit "$status"
    ;;
  *)
    die "usage: $0 install [EXTRA_PACKAGE...] | run COMMAND [ARG...]"
    ;;
esac
