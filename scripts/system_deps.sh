#!/usr/bin/env bash
# What the test suite needs from the system: Debian's chromium (browser tests) and postgresql (store tests).
# Installed with apt-get when running as root; otherwise the tests that need them are skipped and say why.
set -u
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -eq 0 ]; then
  echo "system deps: chromium and postgresql present"
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "system deps: missing ${need[*]} and not root with apt-get; tests needing them will be skipped"
  exit 0
fi
echo "system deps: installing ${need[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || echo "system deps: apt-get update failed"
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
  || echo "system deps: apt-get install ${need[*]} failed; tests needing them will be skipped"
# the Debian package starts a cluster on port 5432; the tests start their own throwaway cluster instead
if command -v pg_ctlcluster >/dev/null 2>&1; then
  pg_lsclusters -h 2>/dev/null | awk '{print $1, $2}' | while read -r v c; do pg_ctlcluster "$v" "$c" stop 2>/dev/null; done
fi
exit 0
