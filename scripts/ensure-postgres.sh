#!/usr/bin/env bash
# Make sure the PostgreSQL the tests use answers. With DATABASE_URL set, that server is the caller's
# business; otherwise start the local cluster if it is installed but stopped.
set -euo pipefail
[ -n "${DATABASE_URL:-}" ] && exit 0
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then exit 0; fi
if command -v pg_ctlcluster >/dev/null; then
  version=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -n 1)
  if [ -n "$version" ]; then
    echo "Starting local PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 20); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 0.5; done
  fi
fi
echo "No PostgreSQL answers on 127.0.0.1:5432. Start one, or set DATABASE_URL=postgis://user@host:port/db" >&2
exit 1
