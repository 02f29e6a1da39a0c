#!/usr/bin/env bash
# Builds and runs the consumer examples against an installed tconv1d, the way
# README's "Use from C and C++" tells a newcomer to:
#   1. consumer/  C++, CMake find_package(tconv1d), target tconv1d::tconv1d
#   2. c_api/     C99 with the C compiler and the library alone (-I, the library, an rpath)
#   3. c_api/     the same program built with pkg-config
#
#   build_and_run.sh --prefix DIR       a CMake install (cmake --install build --prefix DIR)
#   build_and_run.sh --python PYTHON    the wheel installed in PYTHON's environment
# Linux and macOS; CC and CXX choose the compilers (default cc, c++).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cc=${CC:-cc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

case "${1:-}" in
  --prefix)
    prefix=$(cd "$2" && pwd)
    cmake_dir=$(dirname "$(find "$prefix" -name tconv1dConfig.cmake | head -n 1)")
    pc_dir=$(dirname "$(find "$prefix" -name tconv1d.pc | head -n 1)")
    include_dir=$prefix/include
    library_dir=$(cd "$pc_dir/.." && pwd)
    ;;
  --python)
    cmake_dir=$("$2" -m tconv1d --cmake-dir)
    pc_dir=$("$2" -m tconv1d --pkgconfig-dir)
    include_dir=$("$2" -m tconv1d --include-dir)
    library_dir=$("$2" -m tconv1d --library-dir)
    ;;
  *)
    echo "usage: $0 --prefix DIR | --python PYTHON" >&2
    exit 2
    ;;
esac
# The shared library itself (a wheel has no unversioned name link, so link the file).
library=$(find "$library_dir" -maxdepth 1 \( -name 'libtconv1d.so*' -o -name 'libtconv1d*.dylib' \) | sort | tail -n 1)
echo "-- tconv1d: CMake package $cmake_dir, library $library"

echo "== 1. C++ with find_package(tconv1d)"
cmake -S "$here/consumer" -B "$work/cxx" -Dtconv1d_DIR="$cmake_dir" -DCMAKE_BUILD_TYPE=Release > "$work/cxx.log" ||
  { cat "$work/cxx.log"; exit 1; }
cmake --build "$work/cxx" > "$work/cxx-build.log" || { cat "$work/cxx-build.log"; exit 1; }
"$work/cxx/consumer"

echo "== 2. C with the C compiler, linking only the library"
"$cc" -std=c99 -Wall -Wextra -pedantic -Werror -I"$include_dir" "$here/c_api/main.c" "$library" \
  -Wl,-rpath,"$library_dir" -o "$work/c_api"
"$work/c_api"
if command -v readelf > /dev/null; then
  # Nothing but the library and the C runtime: it brings its C++ and OpenMP runtimes itself.
  needed=$(readelf -d "$work/c_api" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
  echo "-- the C program needs: $needed"
  case "$needed" in *stdc++* | *gomp* | *omp.*) echo "a C consumer should not need the C++ or OpenMP runtime" >&2; exit 1 ;; esac
fi

echo "== 3. the same C program built with pkg-config"
export PKG_CONFIG_PATH="$pc_dir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
# shellcheck disable=SC2046  # pkg-config's flags are meant to split
"$cc" -std=c99 "$here/c_api/main.c" $(pkg-config --cflags --libs tconv1d) \
  -Wl,-rpath,"$(pkg-config --variable=libdir tconv1d)" -o "$work/c_api_pc"
"$work/c_api_pc"
echo "examples: 3 passed, 0 failed"
