"""Provinces and communes/wards after the July 2025 reform, from the `vietnam-provinces` package.

The data is static and small (34 provinces, 3,321 wards), so it is indexed in memory once.
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from vietnam_provinces import Province, Ward

from services.core.errors import NotFound
from services.core.text import normalize


@dataclass(frozen=True)
class Area:
    code: int
    name: str
    division_type: str
    codename: str
    province_code: int | None
    search: str


@dataclass(frozen=True)
class _Index:
    provinces: dict[int, Area]
    wards: dict[int, Area]
    wards_by_province: dict[int, list[Area]]


@cache
def _index() -> _Index:
    provinces = {
        int(p.code): Area(int(p.code), p.name, p.division_type.value, p.codename, None, _searchable(p))
        for p in sorted(Province.iter_all(), key=lambda p: int(p.code))
    }
    wards, by_province = {}, defaultdict(list)
    for w in sorted(Ward.iter_all(), key=lambda w: int(w.code)):
        area = Area(
            int(w.code), w.name, w.division_type.value, w.codename, int(w.province_code), _searchable(w)
        )
        wards[area.code] = area
        by_province[area.province_code].append(area)
    return _Index(provinces, wards, dict(by_province))


def _searchable(division) -> str:
    return f"{normalize(division.name)} {division.codename.replace('_', ' ')}"


def _matching(areas, q: str | None) -> list[Area]:
    needle = normalize(q)
    return [a for a in areas if needle in a.search] if needle else list(areas)


def provinces(q: str | None = None) -> list[Area]:
    return _matching(_index().provinces.values(), q)


def province(code: int) -> Area:
    try:
        return _index().provinces[code]
    except KeyError:
        raise NotFound(f"No province with code {code}.") from None


def wards(province_code: int, q: str | None = None) -> list[Area]:
    province(province_code)
    return _matching(_index().wards_by_province.get(province_code, []), q)


def ward(code: int) -> Area | None:
    return _index().wards.get(code)


def is_province(code: int) -> bool:
    return code in _index().provinces


def place_errors(province_code: int | None, ward_code: int | None) -> dict[str, list[str]]:
    """Field errors for a (province, ward) pair: unknown codes, or a ward outside its province."""
    errors = {}
    if province_code is not None and not is_province(province_code):
        errors["province_code"] = [f"Unknown province code {province_code}."]
    if ward_code is not None:
        found = ward(ward_code)
        if found is None:
            errors["ward_code"] = [f"Unknown ward code {ward_code}."]
        elif province_code is not None and found.province_code != province_code and not errors:
            errors["ward_code"] = [f"Ward {ward_code} is not in province {province_code}."]
    return errors


_DIVISION = re.compile(r"^(?:thanh pho|tinh|phuong|xa|dac khu|thi tran) ")


@cache
def _bare_names() -> tuple[dict[int, str], dict[int, str]]:
    """Each province's and ward's name without its division type ("da nang", "hai chau"), normalized."""

    def bare(area: Area) -> str:
        return _DIVISION.sub("", normalize(area.name))

    index = _index()
    return (
        {code: bare(p) for code, p in index.provinces.items()},
        {code: bare(w) for code, w in index.wards.items()},
    )


def _names(text: str, name: str) -> bool:
    return re.search(rf"(?<![a-z0-9]){re.escape(name)}(?![a-z0-9])", text) is not None


def in_address(address: str, province_code: int | None = None) -> tuple[int, int | None] | None:
    """The (province, ward) a free-text address names, e.g. "12 Lê Lợi, phường Hải Châu, Đà Nẵng":
    the province named (or given), and the one ward of it named, if exactly one is; None when no
    province can be told."""
    text = normalize(address)
    province_names, ward_names = _bare_names()
    if province_code is None:
        named = [code for code, name in province_names.items() if _names(text, name)]
        if len(named) != 1:
            return None
        province_code = named[0]
    candidates = {
        area.code
        for area in _index().wards_by_province.get(province_code, [])
        if _names(text, ward_names[area.code])
    }
    # "Hải Châu" inside "Hải Châu Bắc" is not a second ward: keep the longest names found.
    longest = max((len(ward_names[code]) for code in candidates), default=0)
    found = [code for code in candidates if len(ward_names[code]) == longest]
    return province_code, found[0] if len(found) == 1 else None


def wards_named(name: str, province_code: int | None = None) -> list[Area]:
    """The wards whose name, without its division type, is `name` ("Hải Châu", "phuong hai chau"), in
    one province or in all of them."""
    wanted = _DIVISION.sub("", normalize(name))
    _, ward_names = _bare_names()
    index = _index()
    wards = index.wards_by_province.get(province_code, []) if province_code else index.wards.values()
    return [area for area in wards if ward_names[area.code] == wanted]
