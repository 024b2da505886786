#!/usr/bin/env bash
# Debian's fonts for the invoice and label PDFs: DejaVu Sans (Latin, Arabic, Greek, Cyrillic),
# Noto Sans (Hebrew, Devanagari and most other scripts) and Droid Sans Fallback (Chinese,
# Japanese, Korean). With --best-effort (`make run`) a missing font is only a warning: the PDFs
# then print U+FFFD for what no installed font draws.
set -euo pipefail

best_effort=false
if [ "${1:-}" = "--best-effort" ]; then
    best_effort=true
fi

declare -A package_of=(
    [/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf]=fonts-dejavu-core
    [/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf]=fonts-dejavu-core
    [/usr/share/fonts/truetype/noto/NotoSansHebrew-Regular.ttf]=fonts-noto-core
    [/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf]=fonts-noto-core
    [/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf]=fonts-droid-fallback
)
missing=()
for file in "${!package_of[@]}"; do
    if [ ! -f "$file" ]; then
        missing+=("${package_of[$file]}")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
packages=$(printf '%s\n' "${missing[@]}" | sort -u | paste -sd ' ')

give_up() {
    echo "$1" >&2
    if $best_effort; then
        echo "PDFs print U+FFFD for the scripts these fonts draw." >&2
        exit 0
    fi
    exit 1
}

if [ "$(id -u)" -ne 0 ]; then
    give_up "The PDFs need Debian's fonts: sudo apt-get install -y $packages"
fi
echo "Installing the PDF fonts: $packages"
# shellcheck disable=SC2086 # one word per package
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends $packages >/dev/null; }; then
    give_up "Could not install $packages"
fi
