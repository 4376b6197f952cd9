"""FCM topic names and conditions.

Every device with a push token is subscribed to:
  `all`                      every device (national messages)
  `p-48`                     its province (two digits: `p-01` for Hà Nội)
  `w-20242`                  its ward or commune (five digits: `w-03003`)
  `lang-vi`                  the primary subtag of its language
  `cat-scam`                 each category it chose to follow
A message for a place goes to the places' topics, so the server's work per message does not grow
with the audience. FCM allows at most 5 topics in one condition, so larger target lists are split
into several sends, each reaching a disjoint set of devices.
"""

from more_itertools import batched

from services.core import areas
from services.core.targets import Targets
from services.core.text import language

MAX_CONDITION_TOPICS = 5
ALL = "all"


def province_topic(code: int) -> str:
    return f"p-{code:02d}"


def ward_topic(code: int) -> str:
    return f"w-{code:05d}"


def language_topic(locale: str) -> str:
    return f"lang-{language(locale)}"


def category_topic(code: str) -> str:
    return f"cat-{code}"


def for_device(device) -> set[str]:
    """The topics a device should be subscribed to (none without a push token)."""
    if not device.push_token:
        return set()
    topics = {ALL, province_topic(device.province_code), language_topic(device.locale)}
    if device.ward_code:
        topics.add(ward_topic(device.ward_code))
    topics.update(category_topic(code) for code in device.categories or ())
    return topics


def place_topics(targets: Targets) -> list[str]:
    """Disjoint place topics for `targets`: a ward inside a targeted province is already covered."""
    if targets.national:
        return [ALL]
    provinces = set(targets.province_codes)
    wards = [w for w in targets.ward_codes if areas.ward(w).province_code not in provinces]
    return [province_topic(p) for p in sorted(provinces)] + [ward_topic(w) for w in sorted(wards)]


# The addresses of FCM sends to many devices at once (everything else reaches one recipient).
PREFIXES = ("topic:", "condition:")


def _any(topics) -> str:
    clause = " || ".join(f"'{t}' in topics" for t in topics)
    return f"({clause})" if len(topics) > 1 else clause


def sends(targets: Targets, languages: list[str], category: str | None = None) -> list[tuple[str, str, str]]:
    """The FCM sends for a place message: (key, topic or condition, language).

    `languages` are the content's languages with "vi" first. Devices of another language listed
    get their own send; everyone else gets Vietnamese. A one-topic send uses `topic`, not a condition.
    """
    others = [lang for lang in languages if lang != "vi"]
    fixed = len(others) + (1 if category else 0)
    places = place_topics(targets)
    chunk = max(1, MAX_CONDITION_TOPICS - fixed)
    if fixed + 1 > MAX_CONDITION_TOPICS:
        raise ValueError(
            "Too many translations for one FCM condition (at most 3 besides vi with a category)."
        )
    result = []
    for group in batched(places, chunk):
        place_clause = _any(group)
        extra = [f"'{category_topic(category)}' in topics"] if category else []
        for lang in ["vi", *others]:
            if lang == "vi":
                lang_clauses = [f"!('{language_topic(o)}' in topics)" for o in others]
            else:
                lang_clauses = [f"'{language_topic(lang)}' in topics"]
            clauses = [place_clause, *extra, *lang_clauses]
            key = f"{'+'.join(group)}:{lang}"
            if len(clauses) == 1 and len(group) == 1:
                result.append((key, f"topic:{group[0]}", lang))
            else:
                result.append((key, "condition:" + " && ".join(clauses), lang))
    return result
