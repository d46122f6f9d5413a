from tests.maps.live.conftest import world  # noqa: F401 - the same two communes as the live maps' tests
