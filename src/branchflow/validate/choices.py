"""Reading a listed value (性别, 付款方式, 意向项目, …) the way staff write it.

Three ways a written value finds its listed one, tried in this order:
- the same spelling, once folded (`choice_key`: NFKC, case, spaces and punctuation, a trailing
  客户 and 类/级/型/性; for projects also the company prefix before "·" and a trailing 项目):
  "Ａ级" is A, "湄江府" is 黔龙阳光·湄江府. Nothing to tell staff.
- a company alias (branchflow.toml `[aliases.<栏目>]`) or the built-in synonym table
  (validate/synonyms.py): "公积金" is 公积金贷款. A correction: staff are told, the original kept.
- a longer text holding synonyms of exactly one value (longest first), without a negation:
  "朋友圈看到的" is 微信/抖音; for projects also a part of exactly one project's name: "温泉小镇"
  is 黔龙阳光·习水温泉小镇. Also a correction.
Anything else is unknown; what happens to it is the field's policy (validate/fields.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from branchflow.validate.normalize import fold
from branchflow.validate.synonyms import SYNONYMS

__all__ = ["Aliases", "ChoiceReader", "choice_key", "reader_for"]

_SUFFIXES = ("客户", "类", "级", "型", "性")
_NEGATIONS = frozenset("不没无非未别")
_GRADE_MARK = re.compile(r"[+\-]+$")  # A+ / B-: a shade of a grade, kept apart from the grade


def choice_key(text: str) -> str:
    """The folded form two spellings of one value share: "Ａ类客户" and "a" → "a"."""
    folded = fold(text).casefold()
    mark = _GRADE_MARK.search(folded)
    key = "".join(ch for ch in folded if unicodedata.category(ch)[0] not in "PSZC")
    if mark and len(mark[0]) < len(folded):
        return key + mark[0]
    for suffix in _SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            key = key[: -len(suffix)]
    return key


@dataclass(frozen=True)
class Aliases:
    """A company's own words, from `[aliases.<栏目>]`: (column title, written, listed value)."""

    entries: tuple[tuple[str, str, str], ...] = ()

    def of(self, title: str) -> tuple[tuple[str, str], ...]:
        """(written, listed value) for one column."""
        return tuple((written, value) for column, written, value in self.entries if column == title)


@dataclass(frozen=True)
class Reading:
    value: str
    corrected: bool  # found through an alias, a synonym or inside a longer text


class ChoiceReader:
    """Finds the listed value a written one stands for, for one column; built once per column
    and workbook, each distinct written value looked up once (validate/columns.py)."""

    def __init__(
        self,
        choices: Iterable[str],
        title: str = "",
        aliases: Mapping[str, str] | None = None,
        *,
        projects: bool = False,
    ) -> None:
        self.choices = tuple(choices)
        self._exact = _exact_keys(self.choices, projects)
        synonyms: dict[str, str] = {}
        for value, words in SYNONYMS.get(title, {}).items():
            for word in (value, *words):
                synonyms.setdefault(choice_key(word), value)
        for word, value in (aliases or {}).items():
            synonyms[choice_key(word)] = value  # the company's word wins over the table's
        self._synonyms = {k: v for k, v in synonyms.items() if k and v in self.choices}
        self._contained = projects or bool(SYNONYMS.get(title)) or bool(aliases)
        self._projects = projects

    def read(self, raw: Any) -> Reading | None:
        """The listed value `raw` stands for, or None when it is none of them."""
        key = choice_key(raw if isinstance(raw, str) else str(raw))
        if not key:
            return None
        found = self._exact.get(key)
        if found is not None:
            return Reading(found, corrected=False)
        found = self._synonyms.get(key)
        if found is None and self._contained:
            found = self._inside(key)
        return Reading(found, corrected=True) if found is not None else None

    def _inside(self, key: str) -> str | None:
        if _NEGATIONS.intersection(key):
            return None
        hits = [word for word in self._words if len(word) >= 2 and word in key]
        if not hits and self._projects and len(key) >= 2:  # "温泉小镇": part of one name
            named = {self._exact[w] for w in self._exact if key in w}
            return named.pop() if len(named) == 1 else None
        if not hits:
            return None
        longest = max(map(len, hits))
        values = {self._synonyms.get(w) or self._exact[w] for w in hits if len(w) == longest}
        return values.pop() if len(values) == 1 else None

    @cached_property
    def _words(self) -> tuple[str, ...]:
        return (*self._exact, *self._synonyms)


@lru_cache(maxsize=256)
def reader_for(
    choices: tuple[str, ...],
    title: str,
    aliases: tuple[tuple[str, str], ...] = (),
    *,
    projects: bool = False,
) -> ChoiceReader:
    """The reader of one column, built once per process (each builds a few hundred keys)."""
    return ChoiceReader(choices, title, dict(aliases), projects=projects)


def _exact_keys(choices: tuple[str, ...], projects: bool) -> dict[str, str]:
    keys: dict[str, str] = {}
    for choice in choices:
        spellings = [choice]
        if projects:
            short = choice.rsplit("·", 1)[-1]
            spellings += [short, f"{short}项目", f"{choice}项目", re.sub(r"[·•・]", "", choice)]
        for spelling in spellings:
            keys.setdefault(choice_key(spelling), choice)
    keys.pop("", None)
    return keys
