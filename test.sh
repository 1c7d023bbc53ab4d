#!/usr/bin/env bash
# Every test, as the README's second command runs them: installs what the tests need from Debian when it is missing
# (redis-server, for the cluster's Redis store; chromium, the headless browser that loads the coordinator's status
# page; the tests start and stop their own servers and browser), then runs every test project. Extra arguments go to
# `dotnet test`.
set -uo pipefail
cd "$(dirname "$0")"
missing=()
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing Debian's ${missing[*]} for the cluster tests" >&2
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
    echo "test.sh: could not install ${missing[*]}; the tests that need them will fail (install them with: sudo apt-get install ${missing[*]})" >&2
  fi
fi
exec dotnet test Loco.sln "$@"
