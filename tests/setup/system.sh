#!/usr/bin/env bash
# Installs what the tests need beyond Python packages: Debian's Chromium (explorer tests, driven
# by Playwright), poppler (PDF pages as pictures), Debian's docker-compose (compose file
# validation), wrk (benchmarks/api.py) and Neo4j's Cypher front end from npm.
# Safe to run again; skips what is already there.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
# Chinese glyphs, so explorer screenshots show names instead of boxes.
[[ -d /usr/share/fonts/truetype/wqy ]] || missing+=(fonts-wqy-microhei)
# pdftoppm draws the case report's first page for the browser test's screenshot; poppler-data
# holds the Adobe-GB1 character collection the report's built-in Chinese font needs.
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
[[ -d /usr/share/poppler/cMap/Adobe-GB1 ]] || missing+=(poppler-data)
# HTTP load generator of benchmarks/api.py (throughput); the benchmark falls back to Python without it.
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "tests/setup/system.sh: missing ${missing[*]}; install them with apt-get (needs root)" >&2
    fi
fi

if [[ -f "$here/cypher/package.json" && ! -d "$here/cypher/node_modules" ]]; then
    (cd "$here/cypher" && npm ci --no-audit --no-fund --loglevel=error)
fi
