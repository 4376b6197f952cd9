"""Where something is aimed: the whole country, or lists of provinces and wards.

One shape for notices, alerts, forms and notifications: `targets` as shown, and rows of (scope, code)
in a places table, written by `aim` and found by `reaching`. A ward implies its own province, so a
ward-targeted item is found by "what is for province P?" too.
"""

from dataclasses import dataclass

from sqlalchemy import and_, bindparam, or_, true

from services.core import areas
from services.core.db import InList
from services.core.errors import Forbidden, Invalid


@dataclass(frozen=True)
class Targets:
    national: bool = False
    province_codes: tuple[int, ...] = ()
    ward_codes: tuple[int, ...] = ()

    @property
    def implied_province_codes(self) -> tuple[int, ...]:
        """The named provinces plus the province of each named ward."""
        wards_provinces = {areas.ward(code).province_code for code in self.ward_codes}
        return tuple(sorted(set(self.province_codes) | wards_provinces))

    def places(self) -> list[dict]:
        """Rows for a places table, found by `reaching`: scope and code (0 when national)."""
        if self.national:
            return [{"scope": "national", "code": 0}]
        provinces = [{"scope": "province", "code": code} for code in self.province_codes]
        return provinces + [{"scope": "ward", "code": code} for code in self.ward_codes]

    def outside(self, province_code: int | None) -> list[str]:
        """The places named that lie outside the province (all of them when it is None)."""
        if self.national:
            return ["the whole country"]
        provinces = [f"province {code}" for code in self.province_codes if code != province_code]
        wards = [
            f"ward {code}" for code in self.ward_codes if areas.ward(code).province_code != province_code
        ]
        return provinces + wards

    def as_dict(self) -> dict:
        if self.national:
            return {"national": True, "province_codes": [], "ward_codes": []}
        return {
            "national": False,
            "province_codes": list(self.province_codes),
            "ward_codes": list(self.ward_codes),
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Targets":
        return cls(
            national=bool(data.get("national")),
            province_codes=tuple(sorted(set(data.get("province_codes") or ()))),
            ward_codes=tuple(sorted(set(data.get("ward_codes") or ()))),
        )


def target_errors(targets: Targets) -> dict[str, list[str]]:
    """Field errors: national together with places, no place at all, or unknown codes."""
    if targets.national:
        if targets.province_codes or targets.ward_codes:
            return {"national": ["Give either national or lists of places, not both."]}
        return {}
    if not targets.province_codes and not targets.ward_codes:
        return {"_schema": ["Give national: true or at least one province or ward code."]}
    errors = {}
    unknown_provinces = [c for c in targets.province_codes if not areas.is_province(c)]
    unknown_wards = [c for c in targets.ward_codes if areas.ward(c) is None]
    if unknown_provinces:
        errors["province_codes"] = [f"Unknown province codes: {unknown_provinces}."]
    if unknown_wards:
        errors["ward_codes"] = [f"Unknown ward codes: {unknown_wards}."]
    return errors


def require_reach(principal, targets: Targets) -> None:
    """Who may aim where: admins anywhere, the whole country included; other staff within their
    department's province only. A national alert is a high-priority push to every phone in the
    country, and another province has its own departments: both are the province admins' call.
    403 `target_out_of_reach` (the body is valid; this caller may not send it there)."""
    if principal.every_department:  # admins, and API keys issued for no department
        return
    department = principal.department
    province_code = department.province_code if department else None
    beyond = targets.outside(province_code)
    if beyond:
        where = f"province {province_code}" if province_code else "no province (ask an admin)"
        raise Forbidden(
            f"Your department reaches {where}; national and other provinces' targets are for admins.",
            code="target_out_of_reach",
            errors={"targets": [f"Beyond your department's reach: {', '.join(beyond)}."]},
        )


def aim(owner, targets: Targets, place) -> None:
    """Point `owner` (a notice, an alert, a form) at `targets`: the `targets` it shows and the `places`
    rows `reaching` finds it by, made by `place(scope=, code=)`. Rows that stay are kept: a deleted
    and re-added row would collide on its primary key."""
    owner.targets = targets.as_dict()
    wanted = [(row["scope"], row["code"]) for row in targets.places()]
    kept = [row for row in owner.places if (row.scope, row.code) in wanted]
    have = {(row.scope, row.code) for row in kept}
    owner.places = kept + [
        place(scope=scope, code=code) for scope, code in wanted if (scope, code) not in have
    ]


def place(province_code: int | None, ward_code: int | None) -> tuple[int | None, int | None]:
    """A (province, ward) place someone asks about, checked (422 `unknown_area`: an unknown code, or a
    ward outside the province), with the province filled in when a ward comes alone."""
    errors = areas.place_errors(province_code, ward_code)
    if errors:
        raise Invalid(errors, code="unknown_area")
    if ward_code is not None:
        return areas.ward(ward_code).province_code, ward_code
    return province_code, None


def reaching(places, province_code: int | None, ward_code: int | None):
    """SQL condition on a places table (`scope`, `code`, rows from Targets.places()): the rows that
    reach the place. A ward: national rows, its province's, its own. A province alone: national rows,
    the province's and any of its wards'. No place at all: every row. Give a place from place()."""
    if province_code is None and ward_code is None:
        return true()
    bound = place_parameters(province_code, ward_code)
    return _reaching(places, bound["place_province"], places.code.in_(bound["place_wards"]))


def reaching_bound(places):
    """reaching() in a statement built once (so SQLAlchemy neither builds it nor keys its cache anew
    per request): the place comes as the bind parameters place_parameters() gives."""
    return _reaching(places, bindparam("place_province"), InList(places.code, "place_wards"))


def place_parameters(province_code: int | None, ward_code: int | None) -> dict:
    """The bind parameters of reaching_bound() for a place from place() (a province at least)."""
    if ward_code is not None:
        return {"place_province": areas.ward(ward_code).province_code, "place_wards": [ward_code]}
    wards = [ward.code for ward in areas.wards(province_code)]
    return {"place_province": province_code, "place_wards": wards}


def _reaching(places, province, in_wards):
    return or_(
        places.scope == "national",
        and_(places.scope == "province", places.code == province),
        and_(places.scope == "ward", in_wards),
    )
