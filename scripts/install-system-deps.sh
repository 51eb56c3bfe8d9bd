#!/usr/bin/env bash
# System packages the tests and the Word charts need: a CJK font (no tofu boxes in charts);
# with the argument `test` (make test) also Debian's chromium, which the console's browser tests
# drive through Playwright (Playwright never downloads a browser of its own here).
# Debian/Ubuntu only; elsewhere it says what to install and carries on (Windows has 微软雅黑).
set -euo pipefail

need=()
if ! { command -v fc-list >/dev/null && fc-list :lang=zh 2>/dev/null | grep -q .; }; then
  need+=(fonts-noto-cjk fontconfig)
fi
if [ "${1:-}" = "test" ] && [ ! -x /usr/bin/chromium ]; then
  need+=(chromium)
fi
[ ${#need[@]} -eq 0 ] && exit 0

if command -v apt-get >/dev/null; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo="sudo"
  echo "installing system packages: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "note: please install ${need[*]} (a CJK font for chart labels; chromium for the browser tests)" >&2
fi
