"""Being built."""


def register() -> None:
    """Registers the CSV importer and the lost-work finder."""


def feedback_process_pending(*, workspace_id: int) -> int:
    raise NotImplementedError
