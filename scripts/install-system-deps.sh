#!/usr/bin/env bash
# System packages the tests, the Word charts and `report --pdf` need (Debian/Ubuntu, through apt;
# elsewhere it says what to install and carries on — Windows has these fonts already):
#   fonts-noto-cjk     Noto Sans CJK SC (charts, 黑体) and Noto Serif CJK SC (宋体)
#   fonts-arphic-ukai  AR PL UKai (楷体)
#   fonts-liberation2  Liberation Serif, metric-compatible with Times New Roman (digits, Latin)
#   FandolFang (仿宋)  ships only inside texlive-lang-chinese (~265 MB installed with TeX Live);
#                      we download that package (~50 MB) and keep just FandolFang-Regular.otf
#                      (7 MB, GPL-3 with font exception) in /usr/local/share/fonts/fandol/
# and a fontconfig alias file mapping 仿宋/楷体/宋体/黑体 to them, so LibreOffice's PDF looks
# like the Word document on Windows. With the argument `test` (make test) also Debian's chromium,
# which the console's browser tests drive through Playwright (it never downloads a browser here).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
aliases="$here/fontconfig/65-branchflow-zh-office-fonts.conf"
fandol_dir=/usr/local/share/fonts/fandol

has_font() { command -v fc-list >/dev/null && fc-list "$1" family 2>/dev/null | grep -q .; }

need=()
command -v fc-list >/dev/null || need+=(fontconfig)
{ has_font "Noto Sans CJK SC" && has_font "Noto Serif CJK SC"; } || need+=(fonts-noto-cjk)
has_font "AR PL UKai CN" || need+=(fonts-arphic-ukai)
has_font "Liberation Serif" || need+=(fonts-liberation2)
if [ "${1:-}" = "test" ] && [ ! -x /usr/bin/chromium ]; then
  need+=(chromium)
fi
want_fandol=0
has_font "FandolFang" || want_fandol=1
want_aliases=0
cmp -s "$aliases" "/etc/fonts/conf.d/$(basename "$aliases")" 2>/dev/null || want_aliases=1
[ ${#need[@]} -eq 0 ] && [ $want_fandol -eq 0 ] && [ $want_aliases -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
  echo "note: for charts and PDFs please install CJK fonts (Noto Sans/Serif CJK SC, a 仿宋 and a 楷体)" >&2
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "note: run as root to install fonts: ${need[*]} FandolFang" >&2
    exit 0
  fi
  sudo="sudo"
fi

if [ ${#need[@]} -gt 0 ] || [ $want_fandol -eq 1 ]; then
  $sudo apt-get update -qq
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "installing system packages: ${need[*]}"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if [ $want_fandol -eq 1 ]; then
  echo "installing FandolFang (仿宋) from Debian's texlive-lang-chinese"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  if (cd "$work" && apt-get download -qq texlive-lang-chinese >/dev/null 2>&1); then
    dpkg-deb --fsys-tarfile "$work"/texlive-lang-chinese_*.deb \
      | tar -x -C "$work" --wildcards '*/fandol/FandolFang-Regular.otf' '*/fandol/COPYING.gz' '*/fandol/README'
    $sudo install -d "$fandol_dir"
    $sudo install -m 644 $(find "$work" -path '*fandol/*' -type f) "$fandol_dir"/
  else
    echo "note: could not download texlive-lang-chinese; 仿宋 will fall back to 楷体 in PDFs" >&2
  fi
fi
$sudo install -d /etc/fonts/conf.d
$sudo install -m 644 "$aliases" /etc/fonts/conf.d/
$sudo fc-cache -f >/dev/null
