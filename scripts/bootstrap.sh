# Sourced by scripts/demo and scripts/test: make .venv with this project installed (editable).
# Needs only python3 (3.10+); uses uv when present, else installs uv into the venv with pip.
# Usage: source scripts/bootstrap.sh [extras]
set -euo pipefail
extras="${1:-}"
python_bin="${PYTHON:-$(command -v python3 || command -v python)}"
if command -v uv >/dev/null 2>&1; then
  uv_cmd=(uv)
  [ -x .venv/bin/python ] || uv venv --quiet --python "$python_bin" .venv
else
  [ -x .venv/bin/python ] || "$python_bin" -m venv .venv
  [ -x .venv/bin/uv ] || .venv/bin/python -m pip install --quiet --disable-pip-version-check uv
  uv_cmd=(.venv/bin/uv)
fi
spec="."
[ -n "$extras" ] && spec=".[$extras]"
"${uv_cmd[@]}" pip install --quiet --python .venv/bin/python -e "$spec"
export PATH="$PWD/.venv/bin:$PATH"
