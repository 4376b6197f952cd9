"""Per-instance capacity at the 7 a.m. peak, computed from the rates measured in the same run
(`Report.figures`) and the assumptions below; docs/scale.md explains the model."""

import math
from dataclasses import dataclass

# Who opens the app, and how (assumptions: change them here, the section says what they were).
APP_SHARE = 0.4  # of the people, have the app
MORNING_SHARE = 0.5  # of those, open it between 7:00 and 7:15
PEAK_SECONDS = 15 * 60
PEAK_FACTOR = 2.0  # the busiest second of the quarter hour against its mean
FEEDS_PER_OPEN = 1.5  # the home feed on opening, and a pull to refresh every other time
PERSONAL_SHARE = 0.1  # of feed requests, sent with the device's token: personal, never cached
OTHER_READS_PER_OPEN = 0.3  # a notice, an alert, a form: reads from the database, costed like the feed
REVALIDATING_SHARE = 0.3  # of anonymous feed requests, with a current ETag (answered 304)
FEEDBACK_PER_PERSON_DAY = 1 / 1000
FEEDBACK_PEAK_SHARE = 0.05  # of a day's feedback, sent in the quarter hour
LANGUAGES = 2  # cache keys per ward: Vietnamese and one other Accept-Language the app sends
CACHE_WINDOW = 5  # s-maxage = FEED_CACHE_SECONDS: one refresh per key per window reaches an instance
CORES = 2  # of an API instance (gunicorn.conf.py sizes its workers for the machine's cores)
UTILISATION = 0.7  # run each instance, worker or machine at this share of its measured rate
# The morning bulletin, one per commune, to every subscribed system (webhook) and phone (push).
WEBHOOKS_PER_COMMUNE = 2
PUSH_WITHIN = 60  # seconds in which a message to every device of the area should be out
FCM_PER_SECOND = 600_000 / 60  # FCM's quota per project
SMS_SHARE = 0.1  # of the people, get the alert by SMS (no app)
SMSC_PER_SECOND = 100  # an operator's throughput for one bind (assumption: ask the operator)
SMS_WITHIN = 15 * 60
QUOTAS = ("FCM's quota (one project)", "the SMSC's throughput")  # fixed: more machines do not lift them

AREAS = {
    "a province of 1 million": (1_000_000, round(3_321 / 34)),
    "the country (100 million, 34 provinces)": (100_000_000, 3_321),
}


@dataclass
class Load:
    """Requests per second at the peak, by the path that answers them."""

    from_cache: float  # anonymous feed, answered by nginx
    refreshes: float  # the cache's refreshes, reaching an instance (database path)
    personal: float  # personal feeds and other reads (database path)
    intake: float

    @classmethod
    def of(cls, people: int, communes: int) -> "Load":
        opens = people * APP_SHARE * MORNING_SHARE / PEAK_SECONDS * PEAK_FACTOR
        feeds = opens * FEEDS_PER_OPEN
        feedback = people * FEEDBACK_PER_PERSON_DAY * FEEDBACK_PEAK_SHARE / PEAK_SECONDS * PEAK_FACTOR
        return cls(
            from_cache=feeds * (1 - PERSONAL_SHARE),
            refreshes=communes * LANGUAGES / CACHE_WINDOW,
            personal=feeds * PERSONAL_SHARE + opens * OTHER_READS_PER_OPEN,
            intake=feedback,
        )


def lines(figures: dict[str, float]) -> list[str]:
    missing = {"feed_cache", "feed_db", "feed_db_cpu_ms", "feed_db_postgres_ms", "feed_304", "feed_app"}
    missing = (missing | {"intake", "push", "webhook"}) - set(figures)

    if missing:
        return [f"Not computed: this run did not measure {', '.join(sorted(missing))}."]
    rates = [
        ("anonymous feed via the nginx cache (gzip), one nginx machine", figures["feed_cache"], "req/s"),
        ("feed from the app's own cache, one API instance", figures["feed_app"], "req/s"),
        ("feed If-None-Match → 304, one API instance", figures["feed_304"], "req/s"),
        ("feed from the database, one API instance", figures["feed_db"], "req/s"),
        ("… CPU per request in the API's processes", figures["feed_db_cpu_ms"], "ms"),
        ("… CPU per request in PostgreSQL", figures["feed_db_postgres_ms"], "ms"),
        ("feedback intake, one API instance", figures["intake"], "req/s"),
        ("personal push, one outbox worker", figures["push"], "messages/s"),
        ("webhook deliveries, one outbox worker", figures["webhook"], "deliveries/s"),
    ]
    if "sms" in figures:
        rates.append(("SMS submissions, one SMPP bind (fake SMSC)", figures["sms"], "SMS/s"))
    out = [
        "Rates measured in this run, each on this 2-core machine shared with wrk and PostgreSQL (a floor):",
        "",
        "| path | rate |",
        "|---|---|",
        *(f"| {name} | {rate:,.{1 if unit == 'ms' else 0}f} {unit} |" for name, rate, unit in rates),
        "",
        "Assumptions (constants at the top of `bench/capacity.py`):",
        "",
        f"- {APP_SHARE:.0%} of the people have the app; {MORNING_SHARE:.0%} of them open it between 7:00 "
        f"and 7:15; the busiest second at {PEAK_FACTOR:g}× the quarter hour's mean.",
        f"- Per open: {FEEDS_PER_OPEN:g} feed requests, {OTHER_READS_PER_OPEN:g} other reads (costed as a "
        f"feed from the database). {PERSONAL_SHARE:.0%} of feed requests carry the device's token (never "
        f"cached); {REVALIDATING_SHARE:.0%} of the anonymous ones revalidate (matters only without nginx).",
        f"- {LANGUAGES} languages per ward, `s-maxage={CACHE_WINDOW}`: each ward's keys are refreshed from "
        "an instance once per window.",
        f"- Feedback: {FEEDBACK_PER_PERSON_DAY * 1000:g} per 1,000 people a day, {FEEDBACK_PEAK_SHARE:.0%} "
        "of it in the quarter hour.",
        f"- The morning bulletin: {WEBHOOKS_PER_COMMUNE} webhook deliveries per commune; a push to every "
        f"device within {PUSH_WITHIN} s (FCM: {FCM_PER_SECOND * 60:,.0f} messages a minute per project); "
        f"an SMS alert to {SMS_SHARE:.0%} of the people within {SMS_WITHIN // 60} minutes, "
        f"{SMSC_PER_SECOND} SMS/s per SMSC bind.",
        f"- Every machine, instance and worker runs at {UTILISATION:.0%} of its measured rate.",
        "",
        "| | " + " | ".join(AREAS) + " |",
        "|---|" + "---|" * len(AREAS),
    ]
    rows: dict[str, list[str]] = {}
    bottlenecks = []
    for people, communes in AREAS.values():
        row = _area(people, communes, figures)
        bottlenecks.append(row.pop("first bottleneck"))
        for name, value in row.items():
            rows.setdefault(name, []).append(value)
    out += [f"| {name} | " + " | ".join(values) + " |" for name, values in rows.items()]
    out += ["", *(f"First bottleneck, {area}: {why}" for area, why in zip(AREAS, bottlenecks, strict=True))]
    return out


def _area(people: int, communes: int, figures: dict[str, float]) -> dict[str, str]:
    load = Load.of(people, communes)
    usable = {name: rate * UTILISATION for name, rate in figures.items() if not name.endswith("_ms")}
    database_path = load.refreshes + load.personal
    devices, sms = people * APP_SHARE, people * SMS_SHARE
    # The database path by the CPU it costs, in the API's processes and in PostgreSQL apart (measured on
    # a machine they shared); the intake by its rate on that machine, a floor.
    api = database_path * figures["feed_db_cpu_ms"] / 1000 / (CORES * UTILISATION)
    api += load.intake / usable["intake"]
    postgres = database_path * figures["feed_db_postgres_ms"] / 1000 / UTILISATION
    # Without nginx: every anonymous feed at an instance, from its own cache or as a 304.
    bare = api + load.from_cache * (
        (1 - REVALIDATING_SHARE) / usable["feed_app"] + REVALIDATING_SHARE / usable["feed_304"]
    )
    push_rate = min(devices / PUSH_WITHIN, FCM_PER_SECOND)  # faster than FCM allows is no use
    needed = {  # how many of each the peak needs: the largest runs out first as the population grows
        "nginx machines": load.from_cache / usable["feed_cache"],
        "API instances": api,
        "outbox workers (push)": push_rate / usable["push"],
        QUOTAS[0]: devices / PUSH_WITHIN / FCM_PER_SECOND,
        QUOTAS[1]: sms / SMS_WITHIN / SMSC_PER_SECOND,
    }
    first = max(needed, key=needed.get)
    deliveries = communes * WEBHOOKS_PER_COMMUNE
    return {
        "feed requests/s at the peak (anonymous, via nginx)": f"{load.from_cache:,.0f}",
        "requests/s reaching the instances (cache refreshes + personal and other reads + feedback)": (
            f"{load.refreshes:,.0f} + {load.personal:,.0f} + {load.intake:,.1f}"
        ),
        "nginx machines (2 cores)": str(math.ceil(needed["nginx machines"])),
        "API instances (2 cores) behind nginx": str(math.ceil(api)),
        "API instances without nginx (each answering from its own cache)": str(math.ceil(bare)),
        "PostgreSQL cores (the database path)": str(math.ceil(postgres)),
        "devices (people with the app)": f"{devices:,.0f}",
        "outbox workers to push to every device as fast as FCM allows": str(
            math.ceil(needed["outbox workers (push)"])
        ),
        "that push at FCM's quota (one project)": f"{devices / FCM_PER_SECOND:,.0f} s",
        "the bulletin's webhook deliveries, one worker": (
            f"{deliveries:,} in {deliveries / usable['webhook']:,.1f} s"
        ),
        f"an SMS alert to {SMS_SHARE:.0%} at the SMSC's {SMSC_PER_SECOND} SMS/s": (
            f"{sms:,.0f} SMS in {sms / SMSC_PER_SECOND / 60:,.0f} min"
        ),
        "first bottleneck": (
            f"{first} ({needed[first]:,.1f} needed; one suffices up to {people / needed[first]:,.0f} "
            "people). Quotas more machines do not lift, the share of each the peak needs in the time set: "
            + "; ".join(
                f"{name} {needed[name]:,.0%}"
                + (" (over it: the wave takes longer)" if needed[name] > 1 else "")
                for name in QUOTAS
            )
            + "."
        ),
    }


def report(report) -> None:
    report.section("14. Capacity at the 7 a.m. peak (`bench/capacity.py`, model in docs/scale.md)")
    for line in lines(report.figures):
        report.line(line)
