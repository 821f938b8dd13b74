"""Running the migrations back and forth, for the tests of data migrations (the
`migration_executor` fixture is in tests/conftest.py)."""

from django.apps.registry import Apps
from django.db.migrations.executor import MigrationExecutor

type Targets = list[tuple[str, str]]


def migrate(executor: MigrationExecutor, targets: Targets) -> Apps:
    """Migrate to `targets` and return the models as they were there."""
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps
