"""Write the Postman collection (v2.1) of the Commercy API from its OpenAPI document.

    python postman/generate.py                 # the app's schema -> the committed collection
    python postman/generate.py --openapi FILE  # a saved openapi.json instead
    python postman/generate.py --output FILE   # somewhere else (the test compares the two)

Only the schema's paths, parameters and request bodies are read; answers are checked by status
and envelope, so the collection does not depend on the response schemas.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
COLLECTION_PATH = HERE / "commercy.postman_collection.json"
SCHEMA_URL = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
METHODS = ("get", "post", "put", "patch", "delete")
NOT_RUN_FOLDER = "Outside the demo run"

Json = dict[str, Any]

# Collection variables: the demo catalogue's ids on a fresh `make run` database, then the ids
# that the run's creates store (their defaults name demo objects, so each request also works
# alone).
VARIABLES: list[tuple[str, str, str]] = [
    ("baseUrl", "http://127.0.0.1:8000", "Where Commercy answers"),
    ("identifier", "admin@commercy.local", "Login of the pre-request script"),
    ("password", "", "Its password: see var/demo-logins.json of your installation"),
    ("token", "", "Bearer token; the pre-request script logs in when it is empty"),
    ("demoSupplierId", "1", "The demo supplier (Atlas Wholesale)"),
    ("demoResellerId", "1", "The demo reseller (Medina Shop)"),
    ("demoProductId", "1", "The demo product ATL-001 (Sac cabas en cuir, 89.900)"),
    ("supplierId", "1", "Set by Create Supplier"),
    ("resellerId", "1", "Set by Create Reseller"),
    ("userId", "1", "Set by Create User"),
    ("productId", "1", "Set by Create Product"),
    ("mappingId", "1", "Set by Create Mapping"),
    ("orderId", "1", "Set by Create Order"),
    ("orderNumber", "", "Set by Create Order"),
    ("blockedPhoneId", "1", "Set by Block Phone"),
    ("callOrderId", "1", "Set by Next Call: the order the run is calling"),
    ("orderETag", "*", "The ETag of the last order read (If-Match of an order's changes)"),
    ("jobId", "1", "A Digishare job id (GET /integrations/digishare/jobs?state=failed)"),
    ("integrationId", "1", "A Digishare integration id (its webhook URL)"),
]

# Example bodies valid against the demo data, for operations whose schema gives none.
# Raw text, since Postman variables stand for numbers too.
ORDER_BODY = """{
  "customerName": "Amira Ben Salah",
  "customerPhone": "+216 20 123 456",
  "customerAddress": "12 rue de la Kasbah",
  "customerCity": "Tunis",
  "customerGovernorate": "Tunis",
  "source": "facebook_page",
  "resellerId": {{demoResellerId}},
  "supplierId": {{demoSupplierId}},
  "shippingOption": "paid",
  "shippingCost": 7,
  "products": [
    {"productId": {{demoProductId}}, "quantity": 1, "price": 89.9, "notes": "Noir"}
  ]
}"""


@dataclass(frozen=True)
class Override:
    """What the schema cannot tell: example values, and what a request stores for later ones."""

    body: str | None = None
    path: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)  # enabled, with these values
    store: dict[str, str] = field(default_factory=dict)  # variable -> expression on `body`
    not_run: str | None = None  # why the demo run leaves it out


OVERRIDES: dict[str, Override] = {
    "POST /api/v1/auth/login": Override(
        body='{"identifier": "{{identifier}}", "password": "{{password}}"}',
        store={"token": "body.token"},
    ),
    "POST /api/v1/suppliers": Override(
        body='{"name": "Postman Supplier {{$timestamp}}", "email": "postman@supplier.example", '
        '"phone": "+21671000001"}',
        store={"supplierId": "body.data.id"},
    ),
    "GET /api/v1/suppliers/{supplier_id}": Override(path={"supplier_id": "{{supplierId}}"}),
    "POST /api/v1/resellers": Override(
        body='{"name": "Postman Reseller {{$timestamp}}", "supplierId": {{demoSupplierId}}}',
        store={"resellerId": "body.data.id"},
    ),
    "GET /api/v1/resellers/{reseller_id}": Override(path={"reseller_id": "{{resellerId}}"}),
    "POST /api/v1/users": Override(
        body='{"identifier": "agent-{{$timestamp}}@medina.example", "password": '
        '"postman-agent-password", "role": "agent", "name": "Postman Agent", '
        '"resellerId": {{demoResellerId}}}',
        store={"userId": "body.data.id"},
    ),
    "PATCH /api/v1/users/{user_id}": Override(
        body='{"name": "Postman Agent (renamed)"}', path={"user_id": "{{userId}}"}
    ),
    "POST /api/v1/products": Override(
        body='{"name": "Postman product", "code": "PM-{{$timestamp}}", "price": 25, '
        '"costPrice": 10, "stockQuantity": 10, "supplierId": {{demoSupplierId}}}',
        store={"productId": "body.data.id"},
    ),
    "GET /api/v1/products/{product_id}": Override(path={"product_id": "{{productId}}"}),
    "PATCH /api/v1/products/{product_id}": Override(
        body='{"price": 27.5, "stockQuantity": 12}', path={"product_id": "{{productId}}"}
    ),
    "GET /api/v1/converty/products": Override(query={"resellerId": "{{demoResellerId}}"}),
    "POST /api/v1/converty/products": Override(
        body='{"resellerId": {{demoResellerId}}, "products": [{"id": 5101, "name": '
        '"Postman product", "sku": "PM-5101", "price": 35}]}',
    ),
    "GET /api/v1/converty/product-mappings": Override(query={"resellerId": "{{demoResellerId}}"}),
    "POST /api/v1/converty/product-mappings": Override(
        body='{"convertyProductId": 5101, "supplierProductId": {{productId}}, '
        '"resellerId": {{demoResellerId}}}',
        store={"mappingId": "body.mapping.id"},
    ),
    "DELETE /api/v1/converty/product-mappings/{mapping_id}": Override(
        path={"mapping_id": "{{mappingId}}"}
    ),
    "GET /api/v1/converty/check-mappings/{reseller_id}": Override(
        path={"reseller_id": "{{demoResellerId}}"}
    ),
    "POST /api/v1/orders": Override(
        body=ORDER_BODY,
        store={"orderId": "body.order.id", "orderNumber": "body.orderNumber"},
    ),
    "POST /api/v1/orders/bulk-status": Override(
        body='{"ids": [{{orderId}}], "status": "not_reached", "note": "No answer at 10:00"}',
    ),
    "GET /api/v1/orders/{reference}": Override(
        store={"orderETag": "pm.response.headers.get('ETag')"}
    ),
    "PATCH /api/v1/orders/{reference}": Override(
        body='{"customerCity": "Sousse", "notes": "Livrer après 18h"}',
    ),
    "PATCH /api/v1/orders/{reference}/status": Override(
        body='{"status": "confirmed", "note": "Confirmed by phone"}',
    ),
    "POST /api/v1/blocked-phones": Override(
        body='{"phone": "+216{{$timestamp}}", "reason": "Postman example: fake orders"}',
        store={"blockedPhoneId": "body.data.id"},
    ),
    "DELETE /api/v1/blocked-phones/{entry_id}": Override(path={"entry_id": "{{blockedPhoneId}}"}),
    "POST /api/v1/calls/next": Override(store={"callOrderId": "body.data.id"}),
    "POST /api/v1/orders/{reference}/claim": Override(path={"reference": "{{callOrderId}}"}),
    "POST /api/v1/orders/{reference}/calls": Override(
        body='{"outcome": "not_reached", "note": "Messagerie vocale"}',
        path={"reference": "{{callOrderId}}"},
    ),
    "GET /api/v1/orders/{reference}/calls": Override(path={"reference": "{{callOrderId}}"}),
    "GET /api/v1/calls/settings": Override(query={"resellerId": "{{demoResellerId}}"}),
    "PUT /api/v1/calls/settings": Override(
        body='{"retryDelaysMinutes": [30, 120, 1440], "maxUnreachedAttempts": 6, '
        '"whatsappGraceMinutes": 0}',
        query={"resellerId": "{{demoResellerId}}"},
    ),
    "GET /api/v1/integrations/digishare": Override(query={"resellerId": "{{demoResellerId}}"}),
    "PUT /api/v1/integrations/digishare": Override(
        body='{"baseUrl": "https://api.digishare.ma", "token": "<your Digishare API token>", '
        '"ticketTypeId": "<ticket type id>", "initialStatusId": "<initial status id>", '
        '"enabled": true}',
        query={"resellerId": "{{demoResellerId}}"},
        not_run="replaces the demo reseller's Digishare settings (its sandbox connection)",
    ),
    "POST /api/v1/integrations/digishare/test": Override(
        query={"resellerId": "{{demoResellerId}}"}
    ),
    "GET /api/v1/integrations/digishare/jobs": Override(query={"resellerId": "{{demoResellerId}}"}),
    "POST /api/v1/integrations/digishare/jobs/{job_id}/retry": Override(
        path={"job_id": "{{jobId}}"},
        query={"resellerId": "{{demoResellerId}}"},
        not_run="needs a failed job, which a fresh demo database has none of",
    ),
    "GET /api/v1/integrations/digishare/events": Override(
        query={"resellerId": "{{demoResellerId}}"}
    ),
    "POST /api/v1/webhooks/digishare/{integration_id}": Override(
        body='{"event": "ticket.updated", "data": {"data": {"id": "<ticket id>", '
        '"status_id": "yqdwrbka7kz69v8e"}}}',
        path={"integration_id": "{{integrationId}}"},
        not_run="Digishare calls it, with the integration's webhook credential, not a token",
    ),
}

# Values of the (disabled) header parameters; any other gets a fresh GUID.
HEADER_DEFAULTS = {"If-Match": "{{orderETag}}"}
# Path parameters no override names: values of the demo data, by parameter name.
PATH_DEFAULTS = {"reference": "{{orderId}}"}
# Values of the (disabled) query parameters whose schema has no example, default or enum.
QUERY_DEFAULTS = {
    "resellerId": "{{demoResellerId}}",
    "supplierId": "{{demoSupplierId}}",
    "status": "pending",
    "source": "facebook_page",
    "search": "Amira",
    "dateFrom": "2026-01-01",
    "dateTo": "2026-12-31",
}

LOGIN_SCRIPT = [
    "// Log in once: when `token` is empty, exchange identifier and password for one.",
    "if (pm.variables.get('token')) { return; }",
    "if (!pm.variables.get('password')) {",
    "    console.warn('Set password (var/demo-logins.json holds the demo logins) to log in');",
    "    return;",
    "}",
    "pm.sendRequest({",
    "    url: pm.variables.replaceIn('{{baseUrl}}/api/v1/auth/login'),",
    "    method: 'POST',",
    "    header: {'Content-Type': 'application/json'},",
    "    body: {mode: 'raw', raw: JSON.stringify({",
    "        identifier: pm.variables.get('identifier'),",
    "        password: pm.variables.get('password'),",
    "    })},",
    "}, function (error, response) {",
    "    if (error || response.code !== 200) {",
    "        console.error('Login failed', error || response.text());",
    "        return;",
    "    }",
    "    pm.collectionVariables.set('token', response.json().token);",
    "});",
]

BINARY_TYPES = {".pdf": "application/pdf", ".csv": "text/csv"}


def load_openapi(path: Path | None) -> Json:
    if path is not None:
        loaded: Json = json.loads(path.read_text())
        return loaded
    from commercy.core.settings import Settings
    from commercy.main import create_app

    with tempfile.TemporaryDirectory() as data_dir:
        # No developer's .env or COMMERCY_ variable: the schema of the defaults.
        settings = Settings(_env_file=None, data_dir=Path(data_dir))
        return create_app(settings).openapi()


def build_collection(openapi: Json) -> Json:
    folders = {
        tag["name"]: _folder(tag["name"], tag.get("description", "")) for tag in openapi["tags"]
    }
    not_run = _folder(NOT_RUN_FOLDER, _not_run_description())
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            item = _request_item(openapi, path, method, operation)
            override = OVERRIDES.get(f"{method.upper()} {path}", Override())
            target = not_run if override.not_run else folders[operation["tags"][0]]
            target["item"].append(item)
    info = openapi["info"]
    return {
        "info": {
            "_postman_id": str(uuid.uuid5(uuid.NAMESPACE_URL, "commercy-postman-collection")),
            "name": info["title"],
            "description": _collection_description(info),
            "schema": SCHEMA_URL,
        },
        "auth": _bearer(),
        "event": [_script("prerequest", LOGIN_SCRIPT)],
        "variable": [
            {"key": key, "value": value, "type": "string", "description": description}
            for key, value, description in VARIABLES
        ],
        "item": [folder for folder in [*folders.values(), not_run] if folder["item"]],
    }


def _folder(name: str, description: str) -> Json:
    return {"name": name, "description": description, "item": []}


def _not_run_description() -> str:
    lines = [
        "Kept for reference; the test suite's newman run on a fresh demo database leaves these "
        "out (it runs the other folders):",
        "",
    ]
    lines += [f"- `{key}`: {o.not_run}" for key, o in OVERRIDES.items() if o.not_run]
    return "\n".join(lines)


def _collection_description(info: Json) -> str:
    return (
        f"{info.get('description', '').strip()}\n\n"
        "Generated by `python postman/generate.py` from the OpenAPI document: do not edit by "
        "hand. Set `identifier` and `password` (the demo logins are in `var/demo-logins.json`); "
        "the collection's pre-request script logs in when `token` is empty. Every request "
        "expects its 2xx answer; none is expected to answer 4xx."
    )


def _request_item(openapi: Json, path: str, method: str, operation: Json) -> Json:
    override = OVERRIDES.get(f"{method.upper()} {path}", Override())
    status = _success_status(operation)
    request: Json = {
        "method": method.upper(),
        "header": _headers(operation),
        "url": _url(openapi, path, operation, override),
        "description": _description(operation, status, override),
    }
    if "security" not in operation:
        request["auth"] = {"type": "noauth"}
    body = _body(openapi, operation, override)
    if body is not None:
        request["body"] = {"mode": "raw", "raw": body, "options": {"raw": {"language": "json"}}}
    return {
        "name": operation.get("summary", f"{method.upper()} {path}"),
        "event": [_script("test", _tests(path, status, override))],
        "request": request,
        "response": [],
    }


def _success_status(operation: Json) -> int:
    statuses = sorted(int(code) for code in operation["responses"] if code.startswith("2"))
    return statuses[0] if statuses else 200


def _description(operation: Json, status: int, override: Override) -> str:
    text = operation.get("description", "").strip()
    expected = f"Expected answer: {status}."
    if override.not_run:
        expected += f" Not in the demo run: {override.not_run}."
    return f"{text}\n\n{expected}".strip()


def _headers(operation: Json) -> list[Json]:
    headers: list[Json] = []
    if "requestBody" in operation:
        headers.append({"key": "Content-Type", "value": "application/json"})
    for parameter in _parameters(operation, "header"):
        headers.append(
            {
                "key": parameter["name"],
                "value": HEADER_DEFAULTS.get(parameter["name"], "{{$guid}}"),
                "description": parameter.get("description", ""),
                "disabled": True,
            }
        )
    return headers


def _parameters(operation: Json, where: str) -> list[Json]:
    return [p for p in operation.get("parameters", []) if p["in"] == where]


def _url(openapi: Json, path: str, operation: Json, override: Override) -> Json:
    segments = [
        f":{segment[1:-1]}" if segment.startswith("{") else segment
        for segment in path.strip("/").split("/")
    ]
    url: Json = {
        "raw": "{{baseUrl}}/" + "/".join(segments),
        "host": ["{{baseUrl}}"],
        "path": segments,
    }
    query = [_query_parameter(openapi, p, override) for p in _parameters(operation, "query")]
    if query:
        url["query"] = query
        enabled = [f"{q['key']}={q['value']}" for q in query if not q["disabled"]]
        if enabled:
            url["raw"] += "?" + "&".join(enabled)
    variables = [
        {
            "key": p["name"],
            "value": override.path.get(p["name"], PATH_DEFAULTS.get(p["name"], "1")),
            "description": p.get("description", p["name"]),
        }
        for p in _parameters(operation, "path")
    ]
    if variables:
        url["variable"] = variables
    return url


def _query_parameter(openapi: Json, parameter: Json, override: Override) -> Json:
    name = parameter["name"]
    schema = parameter.get("schema", {})
    value = override.query.get(name) or _example_value(openapi, parameter, schema)
    return {
        "key": name,
        "value": value,
        "description": parameter.get("description", schema.get("description", "")),
        "disabled": name not in override.query,
    }


def _example_value(openapi: Json, parameter: Json, schema: Json) -> str:
    choice = _resolve(openapi, (schema.get("anyOf") or [schema])[0])
    enum = choice.get("enum") or [None]
    candidates = (parameter.get("example"), schema.get("example"), schema.get("default"), enum[0])
    for candidate in candidates:
        if candidate is not None:
            return candidate if isinstance(candidate, str) else json.dumps(candidate)
    return QUERY_DEFAULTS.get(parameter["name"], "")


def _body(openapi: Json, operation: Json, override: Override) -> str | None:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if override.body is not None:
        return override.body
    if content is None:
        return None
    example = _document_example(content)
    if example is None:
        example = _minimal(openapi, content.get("schema", {}))
    return json.dumps(example, indent=2, ensure_ascii=False)


def _document_example(content: Json) -> Any:
    if "example" in content:
        return content["example"]
    examples = content.get("examples") or {}
    for example in examples.values():
        if "value" in example:
            return example["value"]
    return None


def _minimal(openapi: Json, schema: Json) -> Any:
    """The smallest value the schema accepts: required properties only, first choices."""
    schema = _resolve(openapi, schema)
    if "example" in schema:
        return schema["example"]
    if "default" in schema:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema or "oneOf" in schema:
        return _minimal(openapi, (schema.get("anyOf") or schema["oneOf"])[0])
    kind = schema.get("type", "object")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: _minimal(openapi, properties[name]) for name in schema.get("required", [])}
    if kind == "array":
        return [_minimal(openapi, schema.get("items", {}))] * schema.get("minItems", 0)
    if kind == "string":
        return "text".ljust(schema.get("minLength", 0), "x")
    return {"integer": max(schema.get("minimum", 1), 1), "number": 1, "boolean": True}.get(kind)


def _resolve(openapi: Json, schema: Json) -> Json:
    while "$ref" in schema:
        node: Json = openapi
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _tests(path: str, status: int, override: Override) -> list[str]:
    lines = [
        f"pm.test('status is {status}', function () {{",
        f"    pm.response.to.have.status({status});",
        "});",
    ]
    if status == 204:  # no body to check
        return lines
    binary = next((kind for suffix, kind in BINARY_TYPES.items() if path.endswith(suffix)), None)
    if binary is not None:
        return [
            *lines,
            f"pm.test('content type is {binary}', function () {{",
            f"    pm.expect(pm.response.headers.get('Content-Type')).to.include('{binary}');",
            "});",
        ]
    lines += [
        "pm.test('envelope: success and timestamp', function () {",
        "    const body = pm.response.json();",
        "    pm.expect(body.success).to.eql(true);",
        "    pm.expect(body).to.have.property('timestamp');",
        "});",
    ]
    for name, expression in override.store.items():
        lines += [
            f"pm.test('stores {name}', function () {{",
            "    const body = pm.response.json();",
            f"    pm.expect({expression}).to.exist;",
            f"    pm.collectionVariables.set('{name}', {expression});",
            "});",
        ]
    return lines


def _script(listen: str, lines: list[str]) -> Json:
    return {"listen": listen, "script": {"type": "text/javascript", "exec": lines}}


def _bearer() -> Json:
    return {"type": "bearer", "bearer": [{"key": "token", "value": "{{token}}", "type": "string"}]}


def render(collection: Json) -> str:
    return json.dumps(collection, indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--openapi", type=Path, help="an openapi.json instead of the app's")
    parser.add_argument("--output", type=Path, default=COLLECTION_PATH)
    args = parser.parse_args()
    args.output.write_text(render(build_collection(load_openapi(args.openapi))))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
