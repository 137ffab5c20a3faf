#!/usr/bin/env bash
# Build GDAL's Python bindings into the venv: against the system libgdal at exactly its version, and
# against the venv's own NumPy headers. Usage: scripts/gdal-bindings.sh VENV
#
# Why so careful: gdal-bin pulls in Debian's python3-numpy (1.x), whose headers are linked into
# /usr/include/python3.X/numpy. GDAL's setup.py puts that Python include directory before
# numpy.get_include(), so a plain build compiles _gdal_array against NumPy 1.x and it then fails to
# import under the venv's NumPy 2.x. A wheel cached by an earlier build would hide that, so the build
# never reads or writes pip's cache.
set -euo pipefail
venv=${1:?usage: gdal-bindings.sh VENV}
py="$venv/bin/python"
version=$(gdal-config --version)

"$venv/bin/pip" install -q "numpy>=2" setuptools wheel
numpy_include=$("$py" -c 'import numpy; print(numpy.get_include())')
echo "Building GDAL $version Python bindings against NumPy $("$py" -c 'import numpy; print(numpy.__version__)') ($numpy_include)"
CFLAGS="-I$numpy_include ${CFLAGS:-}" CPPFLAGS="-I$numpy_include ${CPPFLAGS:-}" \
  "$venv/bin/pip" install -q --no-cache-dir --no-binary gdal --no-build-isolation \
  --force-reinstall --no-deps "gdal==$version"
exec scripts/check-gdal.sh "$venv"
