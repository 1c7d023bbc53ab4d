#!/usr/bin/env bash
# Every test, as the README's second command runs them: installs what the tests need from Debian when it is missing
# (redis-server, for the cluster's Redis store; the tests start and stop their own server on a free loopback port),
# then runs every test project. Extra arguments go to `dotnet test`.
set -uo pipefail
cd "$(dirname "$0")"
if ! command -v redis-server >/dev/null 2>&1 && [ ! -x /usr/bin/redis-server ]; then
  echo "test.sh: installing Debian's redis-server for the cluster tests" >&2
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server >/dev/null; }; then
    echo "test.sh: could not install redis-server; the Redis tests will fail (install it with: sudo apt-get install redis-server)" >&2
  fi
fi
exec dotnet test Loco.sln "$@"
