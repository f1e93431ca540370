"""The rooms every app keeps, read from the source: registration in AppConfig.ready() only, no
module probes or import fallbacks, no imports of our own packages hidden inside functions, and
URL lists only in URL modules."""

import ast
import importlib
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
APPS = ["productops", "inventory", "feedback", "planning", "dashboards"]

# The calls that fill the platform's registries (navigation, importers, demo seeders, workspace
# setups, lost-work finders, change-mark listeners, palette kinds), as `module.function`.
REGISTRY_CALLS = {
    ("navigation", "register"),
    ("imports", "register"),
    ("demo", "register"),
    ("workspace_setup", "register"),
    ("lost_work", "register_finder"),
    ("audit", "on_marks_written"),
    ("palette", "register"),
}


def _sources() -> list[tuple[str, ast.Module]]:
    found = []
    for app in APPS:
        for path in sorted((REPO / app).rglob("*.py")):
            relative = path.relative_to(REPO).as_posix()
            if "/migrations/" not in relative:
                found.append((relative, ast.parse(path.read_text(), relative)))
    return found


SOURCES = _sources()


def _module_name(relative: str) -> str:
    return relative.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def _called(node: ast.Call) -> tuple[str, str] | None:
    function = node.func
    if isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name):
        return function.value.id, function.attr
    return None


def test_registries_are_filled_in_app_configs_ready_only():
    registry_modules = {f"productops.{module}" for module, _ in REGISTRY_CALLS}
    registry_functions = {function for _, function in REGISTRY_CALLS}
    outside = []
    for relative, tree in SOURCES:
        if relative.endswith("/apps.py"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _called(node) in REGISTRY_CALLS:
                outside.append(f"{relative}:{node.lineno} {'.'.join(_called(node))}()")
            if isinstance(node, ast.ImportFrom) and node.module in registry_modules:
                for alias in node.names:
                    if alias.name in registry_functions:  # called bare: `register(...)`
                        outside.append(f"{relative}:{node.lineno} imports {alias.name}")
    assert outside == [], "registration outside AppConfig.ready(): " + ", ".join(outside)


def test_registration_in_apps_py_happens_inside_ready():
    misplaced = []
    for relative, tree in SOURCES:
        if not relative.endswith("/apps.py"):
            continue
        ready_calls = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == "ready":
                ready_calls |= {id(call) for call in ast.walk(node) if isinstance(call, ast.Call)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and id(node) not in ready_calls:
                misplaced.append(f"{relative}:{node.lineno}")
    assert misplaced == []


def test_no_import_fallbacks_and_no_probes_of_modules():
    found = []
    for relative, tree in SOURCES:
        module: ModuleType | None = None
        for node in ast.walk(tree):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                caught = ast.unparse(node.type)
                if "ImportError" in caught or "ModuleNotFoundError" in caught:
                    found.append(f"{relative}:{node.lineno} except {caught}")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "hasattr"
                and isinstance(node.args[0], ast.Name)
            ):
                module = module or importlib.import_module(_module_name(relative))
                probed = getattr(module, node.args[0].id, None)
                if isinstance(probed, ModuleType):
                    found.append(f"{relative}:{node.lineno} hasattr({node.args[0].id}, ...)")
    assert found == []


def test_our_own_modules_are_imported_at_the_top_not_inside_functions():
    hidden = []
    for relative, tree in SOURCES:
        if relative.endswith("/apps.py") or "/management/commands/" in relative:
            continue  # ready() imports what it registers; commands load when run
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                names = []
                if isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                elif isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                for name in names:
                    if name.split(".")[0] in APPS:
                        hidden.append(f"{relative}:{node.lineno} {name}")
    assert hidden == [], "imports inside functions (a hidden cycle?): " + ", ".join(hidden)


@pytest.mark.parametrize("app", APPS)
def test_url_lists_live_in_url_modules_only(app):
    elsewhere = []
    for relative, tree in SOURCES:
        if not relative.startswith(f"{app}/") or relative.endswith("urls.py"):
            continue
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            if any(isinstance(t, ast.Name) and t.id == "urlpatterns" for t in targets):
                elsewhere.append(f"{relative}:{node.lineno}")
    assert elsewhere == []


# The palette's finders are named by the kind they find (items, ideas, accounts) and reached
# only through the palette registry, never imported by name beside the reads they echo.
NAMED_BY_KIND = {"feedback/selectors/palette.py"}


def test_a_selectors_package_defines_each_read_once():
    """Two modules of one selectors package defining the same public name is a read written
    twice (it drifts: one counts, the other not) or two reads a caller can confuse."""
    defined: dict[str, list[str]] = {}
    for relative, tree in SOURCES:
        package, _, _ = relative.rpartition("/")
        if not package.endswith("/selectors") or relative in NAMED_BY_KIND:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                defined.setdefault(f"{package}.{node.name}", []).append(relative)
    twice = {name: modules for name, modules in defined.items() if len(modules) > 1}
    assert twice == {}


def _private_names_taken(tree: ast.Module) -> list[str]:
    """`from <our module> import _name` and `<our module alias>._name`: a helper another module
    keeps to itself, used from outside."""
    ours = tuple(f"{app}." for app in APPS)
    taken = []
    aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(ours):
            for alias in node.names:
                if alias.name.startswith("_"):
                    taken.append(f"{node.module}.{alias.name}")
                else:
                    aliases.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            aliases |= {a.asname or a.name for a in node.names if a.name.startswith(ours)}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and node.attr != "_meta"  # Django's documented Model _meta API, no helper of ours
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
        ):
            taken.append(f"{node.value.id}.{node.attr}")
    return taken


@pytest.mark.parametrize("app", APPS)
def test_no_module_uses_another_modules_private_helpers(app):
    # A helper two modules need gets a public name in one place (productops.money, clock, a
    # shared module), so a reader knows it is shared and a rename cannot break a stranger.
    crossings = {
        relative: names
        for relative, tree in SOURCES
        if relative.startswith(f"{app}/") and (names := _private_names_taken(tree))
    }
    assert crossings == {}
