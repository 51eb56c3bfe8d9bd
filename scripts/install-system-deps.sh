#!/usr/bin/env bash
# System packages the tests and the Word charts need: a CJK font (no tofu boxes in charts).
# Debian/Ubuntu only; elsewhere it says what to install and carries on (Windows has 微软雅黑).
set -euo pipefail

need=()
if ! { command -v fc-list >/dev/null && fc-list :lang=zh 2>/dev/null | grep -q .; }; then
  need+=(fonts-noto-cjk fontconfig)
fi
[ ${#need[@]} -eq 0 ] && exit 0

if command -v apt-get >/dev/null; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo="sudo"
  echo "installing system packages: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "note: please install a CJK font (e.g. Noto Sans CJK) for chart labels: ${need[*]}" >&2
fi
