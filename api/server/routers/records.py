"""The record routes, made from the command table (``api.commands.catalog``):
one router per resource (its OpenAPI tag), one POST per command.

Every route takes the command's body (unknown fields refused, 422), admits the
command's roles (403 otherwise), and goes through the one submission path the
application gives (:func:`api.server.submit.submit`; passed in, as the routers
are what it is a sibling of).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse

from api.commands import Body, Command
from api.commands.catalog import all_commands, all_tags
from api.server.accounts import Account
from api.server.deps import OfficeDep, role
from api.server.office import Office
from api.server.problems import PROBLEM_RESPONSES
from api.server.routers._appends import IDEMPOTENCY_HEADER, KEY_PATTERN, Recorded

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=IDEMPOTENCY_HEADER,
        pattern=KEY_PATTERN,
        description="Retries with the same key and body append only once.",
    ),
]
#: how a command is run and answered: ``api.server.submit.submit``
Submit = Callable[[Office, Command[Any], Body, Account, str | None], JSONResponse]
CREATED: dict[int | str, dict[str, Any]] = {
    201: {"model": Recorded, "description": "Записано / Appended"}
}


def routers(submit: Submit) -> list[APIRouter]:
    """A router per resource, in the order the catalogue lists them."""
    made: dict[str, APIRouter] = {}
    for command in all_commands():
        router = made.get(command.resource)
        if router is None:
            router = APIRouter(tags=[command.resource], responses=PROBLEM_RESPONSES)
            made[command.resource] = router
        router.add_api_route(
            command.path,
            _endpoint(command, submit),
            methods=["POST"],
            status_code=201,
            responses=CREATED,
            summary=command.summary_ru,
            description=_description(command),
            operation_id=command.name.replace(".", "_").replace("-", "_"),
            name=command.name,
        )
    return list(made.values())


def openapi_tags() -> list[dict[str, str]]:
    """Each resource's tag, described in Russian and English."""
    return [
        {"name": name, "description": f"{ru}\n\n{en}"}
        for name, (ru, en) in all_tags().items()
    ]


def _description(command: Command[Any]) -> str:
    return (
        f"{command.summary_en}.\n\nRoles / роли: {', '.join(command.roles)}. "
        f"Command line: `letopis record {command.name} BODY.json --as …`."
    )


def _endpoint(command: Command[Any], submit: Submit) -> Any:
    """The route function of ``command``, its body typed by the command's model."""

    def endpoint(
        body: Any, office: Office, account: Account, idempotency_key: str | None
    ) -> JSONResponse:
        return submit(office, command, body, account, idempotency_key)

    allowed = Annotated[Account, Depends(role(*command.roles))]
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            _param("body", command.body),
            _param("office", OfficeDep),
            _param("account", allowed),
            _param("idempotency_key", IdempotencyKey, None),
        ],
        return_annotation=JSONResponse,
    )
    endpoint.__name__ = command.name.replace(".", "_").replace("-", "_")
    endpoint.__doc__ = command.summary_en
    return endpoint


def _param(name: str, annotation: Any, default: Any = inspect.Parameter.empty) -> Any:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default
    )
