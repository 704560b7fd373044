#!/usr/bin/env bash
# Build the one-folder bundle dist/event-inspector/ (PyInstaller) from a checkout, then start it
# offscreen on the demo store to prove it runs.
#
#   packaging/build-bundle.sh              # a fresh venv in build/bundle-venv (clean checkout)
#   packaging/build-bundle.sh PYTHON       # an interpreter that already has the package installed
#
# The bundle holds both executables: dist/event-inspector/event-inspector (the CLI, a console
# program) and dist/event-inspector/event-inspector-gui (the window; no console on Windows).
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1

if [ $# -ge 1 ]; then
  python="$1"
else
  rm -rf build/bundle-venv
  python3 -m venv build/bundle-venv
  python=build/bundle-venv/bin/python
  "$python" -m pip install -q ".[postgres,mysql]"
fi
"$python" -m pip install -q "pyinstaller>=6.0"

echo "== PyInstaller"
rm -rf dist/event-inspector build/pyinstaller
"$python" -m PyInstaller --noconfirm --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/event-inspector.spec

echo "== smoke test of dist/event-inspector"
bundle=dist/event-inspector
home="$(mktemp -d)"
trap 'rm -rf "$home"' EXIT
export XDG_CONFIG_HOME="$home/config" XDG_CACHE_HOME="$home/cache" XDG_DATA_HOME="$home/data"
(
  cd "$home"  # nowhere near the source tree
  "$OLDPWD/$bundle/event-inspector" --version
  "$OLDPWD/$bundle/event-inspector" demo --path "$home/demo.db" --streams 12 --events 600
  "$OLDPWD/$bundle/event-inspector" info "$home/demo.db"
  INSPECTOR_SMOKE_TEST=1 QT_QPA_PLATFORM=offscreen "$OLDPWD/$bundle/event-inspector-gui" "$home/demo.db"
)
echo "bundle ok: $bundle"
