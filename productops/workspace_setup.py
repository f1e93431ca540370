"""What a new workspace starts with. Domain apps add their part in AppConfig.ready().

Each setup runs inside `workspace_create`'s transaction as the workspace's first admin, and is
audited like any write, so a page never has to create defaults when it is first opened.
"""

from collections.abc import Callable

from productops.access import Actor

WorkspaceSetup = Callable[..., object]  # called as setup(actor=...)

_setups: list[tuple[str, WorkspaceSetup]] = []


def register(name: str, setup: WorkspaceSetup) -> None:
    if name not in {known for known, _ in _setups}:
        _setups.append((name, setup))


def run_setups(actor: Actor) -> None:
    for _, setup in _setups:
        setup(actor=actor)
