from __future__ import annotations

import pytest

from commercy.core.database import WriteSession
from commercy.core.settings import Settings
from tests.factories import Shop, make_shop


@pytest.fixture
async def shop(session: WriteSession, settings: Settings) -> Shop:
    return await make_shop(session, settings)
