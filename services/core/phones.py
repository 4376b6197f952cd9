"""Phone numbers in E.164, parsed the Vietnamese way ("0912 345 678" is +84912345678)."""

import phonenumbers


def to_e164(raw: str, region: str = "VN") -> str | None:
    """The E.164 form of a valid number, or None."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
