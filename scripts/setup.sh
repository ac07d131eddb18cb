#!/usr/bin/env bash
# Sets up a fresh Debian machine for ingot: Node >= 22.12, the Debian packages ingot and its
# tests use, and the npm dependencies (npm ci also compiles dist/ through `prepare`).
# Re-runnable: it installs only what is missing. Needs root (or sudo) for apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
source scripts/node-env.sh
source scripts/packages.sh

missing=()
for pkg in "${INGOT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  # Without systemd, package scripts would start daemons (memcached, swift) on default ports.
  added_policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null && $sudo chmod +x /usr/sbin/policy-rc.d
    added_policy=1
  fi
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [[ -z "$added_policy" ]] || $sudo rm -f /usr/sbin/policy-rc.d
fi

# npm ci only when node_modules does not match the lockfile (it also builds dist/ via prepare),
# so running this again — as the README's first command does — costs nothing.
stamp=node_modules/.ingot-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ -f $stamp && $(cat "$stamp") == "$want" && -f dist/cli/main.js ]]; then
  if [[ -n $(find src package.json tsconfig.json tsconfig.build.json -newer dist/cli/main.js -print -quit) ]]; then
    echo "setup: npm dependencies up to date; compiling dist/"
    npm run --silent build
  else
    echo "setup: npm dependencies and dist/ up to date"
  fi
else
  echo "setup: npm ci (node $(node --version))"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi
