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
    .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >&2
    .venv/bin/python -m pip install -q --disable-pip-version-check -e ".$extras" >&2
    echo "$want" > "$stamp"
  fi
}
