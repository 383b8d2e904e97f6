#!/usr/bin/env bash
# One command to set up and run the whole test suite (CI runs exactly this).
# The browser end-to-end test needs Debian's chromium + chromium-driver; they are installed
# here when we are root with apt-get, otherwise that test is skipped with its reason.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null && ! command -v chromedriver >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null) \
    || echo "note: could not install chromium; the browser test will be skipped"
fi
set +e
.venv/bin/python -m pytest -q "$@"
rc=$?
set -e
if [ "$rc" = "5" ]; then
  echo "pytest collected no tests: failing" >&2
  exit 1
fi
exit "$rc"
