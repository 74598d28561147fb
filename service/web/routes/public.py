"""``/commons/{id}``: the public page of a commons, without login: its licence, its
reciprocity schedule, and its pool's money in and out over time, with totals that are the
journal's own (to the minor unit)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import Response

from service.api.deps import SessionDep
from service.web import queries
from service.web.auth import find_viewer
from service.web.errors import not_found, parse_id
from service.web.figures import describe_schedule, pool_flows
from service.web.plots import flow_plots
from service.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/commons/{commons_id}")
async def public_commons(commons_id: str, request: Request, session: SessionDep) -> Response:
    found = await queries.public_commons(session, parse_id(commons_id, "commons"))
    if found is None:
        raise not_found("commons")
    commons, foundation = found
    await find_viewer(request, session)  # only to show the viewer's menu
    flows, totals = pool_flows(await queries.pool_postings(session, str(commons.id)))
    plots = await asyncio.to_thread(flow_plots, flows)
    return render(
        request,
        "public/commons.html",
        {
            "title": commons.name,
            "commons": commons,
            "foundation": foundation,
            "schedule": describe_schedule(commons.name, commons.payee, commons.reciprocity),
            "plots": plots,
            "totals": totals,
        },
    )
