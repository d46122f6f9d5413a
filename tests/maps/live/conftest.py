import pytest

from tests.maps.live.world import World, build_world


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def committed_world(django_db_serialized_rollback, transactional_db) -> World:
    """The same world, committed: for code that reads from other threads or processes. The
    serialized rollback brings back the alert categories that migrations created."""
    return build_world()
