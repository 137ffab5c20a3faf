#!/usr/bin/env bash
# Fail fast, with a message that says what to do, when the venv's GDAL bindings do not import.
set -euo pipefail
venv=${1:?usage: check-gdal.sh VENV}
if ! out=$("$venv/bin/python" -c 'from osgeo import gdal, gdal_array, osr; import numpy
print(gdal.__version__, numpy.__version__)' 2>&1); then
  echo "$out" | tail -n 5 >&2
  cat >&2 <<MSG

GDAL's Python bindings in $venv do not import (above). They must be built against the system
libgdal ($(gdal-config --version 2>/dev/null || echo '?')) and the venv's NumPy. Rebuild them with:
  rm -f $venv/.gdal-* $venv/.deps && make venv
MSG
  exit 1
fi
echo "GDAL bindings import: GDAL/NumPy $out"
