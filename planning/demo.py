def seed_planning(workspace) -> None:
    pass
