#!/usr/bin/env bash
# Debian packages the app and its tests need: Chromium (browser tests), a CJK font
# (Chinese pages and PDFs), gettext (compiling translations). Installs what is missing
# when run as root (or with sudo); otherwise says what to install.
set -euo pipefail
wanted=(chromium fonts-noto-cjk gettext)
missing=()
for p in "${wanted[@]}"; do
    dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed$' || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
if [[ $EUID -eq 0 ]]; then sudo=(); elif command -v sudo >/dev/null; then sudo=(sudo); else
    echo "Please install: ${missing[*]} (apt-get install ${missing[*]})" >&2; exit 1
fi
echo "installing Debian packages: ${missing[*]}"
"${sudo[@]}" apt-get update -q </dev/null
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
