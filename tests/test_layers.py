"""The import rules that keep the layers apart, read from the source with `ast` (lazy imports inside
functions count too): the core and the models know no domain, no service knows the HTTP edge, channel
adapters only send, and schemas know nothing of the API."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOMAINS = (
    "identity",
    "directory",
    "feedback",
    "publishing",
    "files",
    "outbox",
    "events",
    "push",
    "notifications",
    "webhooks",
    "staff_mail",
    "demo",
    "reports",
    "zalo",
    "privacy",
)
DOMAIN_PACKAGES = tuple(f"services.{name}" for name in DOMAINS)

# (which modules, what they must not import, why)
RULES = [
    ("services.core", DOMAIN_PACKAGES, "the core serves every domain and knows none"),
    ("services.models", DOMAIN_PACKAGES, "tables know no domain rule"),
    ("services", ("api", "flask"), "services are called by the edge (HTTP, CLI, worker) and know none of it"),
    (
        "services.outbox.channels",
        (*DOMAIN_PACKAGES, "services.models"),
        "a channel adapter only sends a delivery and classifies the answer",
    ),
    ("schemas", ("api",), "shapes are written once, for the API and everyone else"),
    ("api.namespaces", ("api.console",), "the API and the console are two edges over the same services"),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, module: str | None = None) -> set[str]:
    """Every module `path` (the module named `module`) imports, with `from package import name` also
    counted as `package.name`."""
    package = (module or module_name(path)).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def modules_of(prefix: str) -> list[Path]:
    folder = ROOT.joinpath(*prefix.split("."))
    return sorted(folder.rglob("*.py")) if folder.is_dir() else [folder.with_suffix(".py")]


def within(package: str, names) -> bool:
    """Whether one of `names` is `package` or a module in it."""
    return any(name == package or name.startswith(f"{package}.") for name in names)


@pytest.mark.parametrize(("layer", "forbidden", "why"), RULES, ids=[rule[0] for rule in RULES])
def test_layer_imports(layer, forbidden, why):
    broken = {
        f"{module_name(path)} imports {name}"
        for path in modules_of(layer)
        for name in imported(path)
        if any(within(package, [name]) for package in forbidden) and not within(layer, [name])
    }
    assert not broken, f"{why}:\n" + "\n".join(sorted(broken))


def test_the_rules_see_relative_and_lazy_imports(tmp_path):
    source = tmp_path / "sneaky.py"
    source.write_text(
        "from ..identity import users\n\n\ndef later():\n    from api.auth import current_principal\n"
    )

    names = imported(source, "services.core.sneaky")

    assert within("services.identity.users", names) and within("api.auth", names)
    assert within("services.identity", names) and within("api", names)
