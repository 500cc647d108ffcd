#!/usr/bin/env bash
# System packages the test suite needs: Debian's Chromium (Playwright drives it; it cannot
# download a browser here) and PostgreSQL 15's initdb/pg_ctl for throwaway clusters.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need+=(postgresql)
fi
if ((${#need[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "test-deps: please install ${need[*]} (apt-get install ${need[*]})" >&2
    exit 1
  fi
  echo "test-deps: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
