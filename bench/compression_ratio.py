"""How much compression saves on a list page of 50 orders and on its CSV export.

    .venv/bin/python bench/compression_ratio.py

Builds the real app on a throw-away SQLite database, creates 50 varied orders through the
API, then fetches `GET /api/v1/orders?limit=50` and `GET /api/v1/orders/export.csv` with each
encoding and prints the sizes. Exits non-zero when a JSON page shrinks by less than 80 %.
"""

from __future__ import annotations

import asyncio
import gzip
import random
import sys
import tempfile
from pathlib import Path

import brotli
import httpx
import zstandard

from commercy.accounts import service as accounts_service
from commercy.accounts.schemas import ResellerCreate, SupplierCreate, UserCreate
from commercy.auth.models import Role
from commercy.core import migrations
from commercy.core.settings import Settings
from commercy.main import create_app

TARGET = 0.80
PASSWORD = "bench-password-0123456789"
FIRST = ["Amine", "Sarra", "Youssef", "Meriem", "Karim", "Ines", "Walid", "Rim", "Hedi", "Nour"]
LAST = ["Ben Ali", "Trabelsi", "Gharbi", "Jaziri", "Mejri", "Ayari", "Hamdi", "Bouazizi"]
CITIES = ["Tunis", "Sfax", "Sousse", "Nabeul", "Bizerte", "Gabès", "Ariana", "Monastir"]
SOURCES = ["manual", "whatsapp", "facebook_page", "instagram", "tiktok", "phone_call"]
DECODE = {
    "gzip": gzip.decompress,
    "br": brotli.decompress,
    "zstd": lambda data: zstandard.ZstdDecompressor().decompressobj().decompress(data),
}


async def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,
            data_dir=Path(tmp),
            jwt_secret="bench-" + "k" * 40,
            sandbox_mounted=False,
            worker_in_process=False,
            rate_limit_enabled=False,
        )
        app = create_app(settings)
        database = app.state.database
        await migrations.upgrade(database)
        async with database.sessionmaker() as session:
            supplier = await accounts_service.create_supplier(
                session, data=SupplierCreate(name="Bench Supplier")
            )
            reseller = await accounts_service.create_reseller(
                session, data=ResellerCreate(name="Bench Reseller", supplier_id=supplier.id)
            )
            await accounts_service.create_user(
                session,
                actor=None,
                data=UserCreate(identifier="bench@example.com", password=PASSWORD, role=Role.ADMIN),
            )
            await session.commit()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            token = await _login(http)
            await _make_orders(http, token, supplier_id=supplier.id, reseller_id=reseller.id)
            failed = False
            for url in ("/api/v1/orders?limit=50", "/api/v1/orders/export.csv"):
                failed |= await _report(http, url, token, check=url.endswith("limit=50"))
        await database.dispose()
    return 1 if failed else 0


async def _login(http: httpx.AsyncClient) -> dict[str, str]:
    answer = await http.post(
        "/api/v1/auth/login", json={"identifier": "bench@example.com", "password": PASSWORD}
    )
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['token']}"}


async def _make_orders(
    http: httpx.AsyncClient, token: dict[str, str], *, supplier_id: int, reseller_id: int
) -> None:
    rng = random.Random(6)
    products = []
    for number in range(5):
        answer = await http.post(
            "/api/v1/products",
            headers=token,
            json={
                "name": f"Produit {number}",
                "price": 29.9 + number * 10,
                "stockQuantity": 10_000,
                "supplierId": supplier_id,
            },
        )
        answer.raise_for_status()
        products.append(answer.json()["data"])
    for _ in range(50):
        product = rng.choice(products)
        city = rng.choice(CITIES)
        answer = await http.post(
            "/api/v1/orders",
            headers=token,
            json={
                "customerPhone": f"+216{rng.randint(20_000_000, 99_999_999)}",
                "customerName": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "customerAddress": f"{rng.randint(1, 300)} rue {rng.choice(LAST)}",
                "customerCity": city,
                "customerGovernorate": city,
                "customerZipCode": str(rng.randint(1000, 9999)),
                "source": rng.choice(SOURCES),
                "resellerId": reseller_id,
                "supplierId": supplier_id,
                "products": [
                    {
                        "productId": product["id"],
                        "quantity": rng.randint(1, 3),
                        "price": product["price"],
                        "notes": f"Taille {rng.choice('SMLX')} / {rng.choice(['Bleu', 'Noir'])}",
                    }
                ],
            },
        )
        answer.raise_for_status()


async def _report(http: httpx.AsyncClient, url: str, token: dict[str, str], *, check: bool) -> bool:
    plain = await _raw(http, url, token, "identity")
    print(f"{url}: {len(plain)} bytes uncompressed")
    failed = False
    for encoding, decode in DECODE.items():
        packed = await _raw(http, url, token, encoding)
        original = decode(packed)  # this answer's own size: its timestamp differs
        saved = 1 - len(packed) / len(original)
        verdict = "ok" if saved >= TARGET else "BELOW TARGET"
        print(
            f"  {encoding:5} {len(packed):7} bytes  {saved:6.1%} saved  {verdict if check else ''}"
        )
        failed |= check and saved < TARGET
    return failed


async def _raw(http: httpx.AsyncClient, url: str, token: dict[str, str], encoding: str) -> bytes:
    request = http.build_request("GET", url, headers={**token, "Accept-Encoding": encoding})
    response = await http.send(request, stream=True)
    body = b"".join([chunk async for chunk in response.aiter_raw()])
    await response.aclose()
    response.raise_for_status()
    return body


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
