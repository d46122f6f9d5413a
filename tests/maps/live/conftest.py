import pytest

from tests.maps.live.world import World, build_world, ensure_categories


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def committed_world(transactional_db) -> World:
    """The same world, committed: for code that reads from other threads or processes."""
    ensure_categories()
    return build_world()
