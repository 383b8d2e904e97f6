#!/usr/bin/env bash
# One command for a newcomer: set up, ingest the bundled sample reports, open the chat.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/gongkai ingest --sample
exec .venv/bin/gongkai ui "$@"
