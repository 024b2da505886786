"""Query strings hold only what the API documents: a typo is an error, not an ignored filter.

FastAPI ignores query parameters an operation does not declare and keeps the last value of a
repeated single-valued one, so `?stauts=pending` would list every order and
`?search=a&search=b` would search for `b` alone, both answering 200. The OpenAPI schema already
says which parameters each operation takes and which of them are lists; this dependency holds
every request to it and answers 400 in the usual validation format otherwise. It also refuses
control characters in query values and path parameters, as bodies do (:mod:`commercy.core.text`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.routing import compile_path

from commercy.core.errors import ValidationFailed
from commercy.core.text import CONTROL_CHARACTER, control_character_error

# Query parameter name -> whether it may be repeated (a list).
DeclaredQuery = dict[str, bool]


class QueryContract:
    """The query parameters of every operation in an OpenAPI schema."""

    def __init__(self, schema: dict[str, Any]) -> None:
        # In the schema's order, which is the routing order, so the first match is the route's.
        self._operations: list[tuple[re.Pattern[str], str, DeclaredQuery]] = [
            (compile_path(path)[0], method.upper(), _declared_query(operation))
            for path, path_item in schema.get("paths", {}).items()
            for method, operation in path_item.items()
            if isinstance(operation, dict) and "responses" in operation
        ]
        # Matching a path costs a scan; an endpoint always answers the same operation.
        self._by_endpoint: dict[tuple[Callable[..., Any], str], DeclaredQuery | None] = {}

    def declared(
        self, endpoint: Callable[..., Any], method: str, path: str
    ) -> DeclaredQuery | None:
        key = (endpoint, method)
        if key not in self._by_endpoint:
            self._by_endpoint[key] = next(
                (
                    declared
                    for pattern, operation_method, declared in self._operations
                    if operation_method == method and pattern.match(path)
                ),
                None,
            )
        return self._by_endpoint[key]


def _declared_query(operation: dict[str, Any]) -> DeclaredQuery:
    return {
        parameter["name"]: _is_list(parameter.get("schema", {}))
        for parameter in operation.get("parameters", [])
        if parameter.get("in") == "query"
    }


def _is_list(schema: dict[str, Any]) -> bool:
    alternatives = [schema, *schema.get("anyOf", []), *schema.get("oneOf", [])]
    return any(alternative.get("type") == "array" for alternative in alternatives)


async def check_query_and_path(request: Request) -> None:
    """Refuse unknown query parameters, single-valued ones given more than once, and control
    characters in query values and path parameters."""
    for name, value in request.path_params.items():
        if isinstance(value, str) and (error := control_character_error(value)):
            raise ValidationFailed(name, error)
    if not request.scope.get("query_string"):
        return
    path = request.scope["path"].removeprefix(request.scope.get("root_path", ""))
    declared = _contract(request.app).declared(request.scope["endpoint"], request.method, path)
    if declared is None:
        return
    errors: dict[str, dict[str, Any]] = {}
    seen: set[str] = set()
    for name, value in request.query_params.multi_items():
        if name not in declared:
            errors[name] = _error(name, value, "Unknown query parameter")
        elif name in seen and not declared[name]:
            errors[name] = _error(name, value, "Give this parameter once")
        elif text_error := control_character_error(value):
            errors[name] = _error(name, value, text_error, kind=CONTROL_CHARACTER)
        seen.add(name)
    if errors:
        raise RequestValidationError(list(errors.values()))


def _contract(app: FastAPI) -> QueryContract:
    contract: QueryContract | None = getattr(app.state, "query_contract", None)
    if contract is None:
        contract = app.state.query_contract = QueryContract(app.openapi())
    return contract


def _error(name: str, value: str, message: str, *, kind: str = "extra_forbidden") -> dict[str, Any]:
    return {"type": kind, "loc": ("query", name), "msg": message, "input": value}
