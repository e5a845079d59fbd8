# Shared by ./run and ./run-tests: a virtual environment in .venv, reinstalled only when
# pyproject.toml changed since the last install.
ensure_venv() {
  local extras="$1"
  local stamp=".venv/.installed$extras"
  local want
  want=$(sha256sum pyproject.toml | cut -d' ' -f1)
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
  fi
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "Đang cài đặt / installing dependencies..." >&2
    # pip and setuptools talk a lot (an "Editable installation" warning on every first run):
    # keep it in a log and show it only when the installation fails.
    local log=.venv/install.log
    if ! { .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip &&
           .venv/bin/python -m pip install -q --disable-pip-version-check -e ".$extras"; } \
           > "$log" 2>&1; then
      cat "$log" >&2
      echo "Cài đặt thất bại / installation failed (see $log)" >&2
      return 1
    fi
    echo "$want" > "$stamp"
  fi
}
