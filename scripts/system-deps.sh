#!/usr/bin/env bash
# Install the Debian packages rastercatalog needs, only those that are missing.
# Usage: scripts/system-deps.sh run|test
# As root (or with password-less sudo) it runs apt-get; otherwise it prints the exact apt line and fails.
set -euo pipefail

purpose=${1:-run}
# GDAL comes from the distribution; the Python bindings are built against it (see Makefile).
packages=(gdal-bin libgdal-dev libsqlite3-mod-spatialite python3-venv python3-dev g++)
# The map viewer is built with npm (frontend/); any Node >= 18 will do, Debian's included.
command -v node >/dev/null || packages+=(nodejs npm)
if [ "$purpose" = "test" ]; then
  # Browser tests drive Debian's Chromium with Playwright (which cannot download a browser here);
  # the deployment tests run nginx (thumbnails behind X-Accel-Redirect, `nginx -t`).
  packages+=(chromium nginx-light)
fi
if [ "$purpose" = "test" ] && [ -z "${DATABASE_URL:-}" ]; then
  # The suite runs on the local PostgreSQL; it needs the PostGIS build that matches its major version.
  pg_major=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)
  packages+=("postgresql-${pg_major:-15}-postgis-3")
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

apt_line="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo="sudo"
else
  echo "rastercatalog needs Debian packages that are missing. Run this as root, then run make again:" >&2
  echo "  sudo sh -c '$apt_line'" >&2
  exit 1
fi
echo "Installing missing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
