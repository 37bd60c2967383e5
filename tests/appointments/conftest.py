from datetime import UTC, datetime

import pytest
import time_machine

# Monday 2 March 2026, 09:00 in London (GMT): four weeks before the clocks go forward.
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    """The clock stopped at NOW; `clock.move_to(...)` moves it on."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller
