#!/usr/bin/env bash
# Every test, as the README's second command runs them: installs what the tests need from Debian when it is missing
# (redis-server, for the cluster's Redis store; chromium, the headless browser that loads the coordinator's status
# page; python3-torch, the PyTorch that loads an exported model; the tests start and stop their own servers, browser
# and interpreter), then runs every test project, built in Release. Extra arguments go to `dotnet test`.
set -uo pipefail
cd "$(dirname "$0")"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
updated=0
install() { # install [apt-get flags] PACKAGES...: from Debian, once the package lists are fresh
  [ $updated -eq 1 ] || { $sudo apt-get update -qq && updated=1; }
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}
missing=()
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing Debian's ${missing[*]} for the cluster tests" >&2
  install "${missing[@]}" || echo "test.sh: could not install ${missing[*]}; the tests that need them will fail (install them with: sudo apt-get install ${missing[*]})" >&2
fi
if ! /usr/bin/python3 -c "import torch" >/dev/null 2>&1 && ! python3 -c "import torch" >/dev/null 2>&1; then
  # Without its recommendations: python3-torch would otherwise bring some 300 packages (GDAL, Qt, ...) it does not need.
  echo "test.sh: installing Debian's python3-torch for the export test" >&2
  install --no-install-recommends python3-torch || echo "test.sh: could not install python3-torch; the export test will fail (install it with: sudo apt-get install python3-torch)" >&2
fi
# Release: the simulator and the theory run some 20x faster than in a Debug build, which keeps CI well inside its time.
exec dotnet test Loco.sln -c Release "$@"
