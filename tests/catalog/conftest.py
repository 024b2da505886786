from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from commercy.core.settings import Settings
from tests.factories import Shop, make_shop


@pytest.fixture
async def shop(session: AsyncSession, settings: Settings) -> Shop:
    return await make_shop(session, settings)
