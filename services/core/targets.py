"""Where something is aimed: the whole country, or lists of provinces and wards.

One shape for notices, alerts, forms and notifications. A ward implies its own province, so a
ward-targeted item is found by "what is for province P?" queries that need to know which provinces
are touched.
"""

from dataclasses import dataclass

from sqlalchemy import and_, or_

from services.core import areas
from services.core.errors import Forbidden


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
        """Rows for a places table, found by "what is for this province or ward?": scope, code
        (0 when national) and the province the place lies in (None when national)."""
        if self.national:
            return [{"scope": "national", "code": 0, "province_code": None}]
        provinces = [{"scope": "province", "code": p, "province_code": p} for p in self.province_codes]
        wards = [
            {"scope": "ward", "code": code, "province_code": areas.ward(code).province_code}
            for code in self.ward_codes
        ]
        return provinces + wards

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


def reaching(places, province_code: int | None, ward_code: int | None):
    """SQL condition on a places table (`scope`, `code`): the rows that reach someone in the ward,
    or in the province when no ward is given — national ones, the province's, the ward's."""
    clauses = [places.scope == "national"]
    if province_code is not None:
        clauses.append(and_(places.scope == "province", places.code == province_code))
    if ward_code is not None:
        clauses.append(and_(places.scope == "ward", places.code == ward_code))
    return or_(*clauses)
