"""``copyfair scan --report URL``: send the JSON report to a copyfair service.

``POST {URL}/v1/reports`` with ``{"scan": <JSON of copyfair scan>, "period": "YYYY-MM"?,
"project": ...?}`` and ``Authorization: Bearer <token>``. The service derives the
obligations itself; what it answers (the report id and the amounts owed) is printed.
Errors are :class:`ReportUploadError` with the server's own message, or advice when the
server cannot be reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

__all__ = ["ReportUploadError", "UploadedReport", "report_endpoint", "upload_report"]

TIMEOUT_SECONDS = 60.0


class ReportUploadError(Exception):
    """The report could not be sent, or the service refused it; the message says why."""


@dataclass(frozen=True, slots=True)
class UploadedReport:
    id: str
    project: str
    period: str
    totals: tuple[tuple[str, int], ...]  # (currency, amount owed in minor units)
    obligations: int

    def describe(self, url: str) -> str:
        from licences.money import format_minor

        owed = ", ".join(format_minor(a, c) for c, a in self.totals) or "nothing"
        return (
            f"Report {self.id} sent to {url} ({self.project}, {self.period}): "
            f"{self.obligations} obligation(s), owed {owed}"
        )


def report_endpoint(url: str) -> str:
    """The reports endpoint of a service URL (``https://host`` -> ``https://host/v1/reports``)."""
    base = url.strip().rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ReportUploadError(
            f"--report {url!r}: expected the service's http:// or https:// URL "
            "(e.g. https://copyfair.example.org)"
        )
    return base if base.endswith("/v1/reports") else f"{base}/v1/reports"


def _server_message(response: httpx.Response) -> str:
    try:
        error = response.json().get("error", {})
    except (ValueError, AttributeError):
        error = {}
    if isinstance(error, dict) and error.get("message"):
        field = f" (field {error['field']})" if error.get("field") else ""
        return f"{error['message']}{field}"
    text = response.text.strip().replace("\n", " ")
    return text[:300] or response.reason_phrase


def upload_report(
    url: str,
    token: str,
    scan: dict[str, Any],
    *,
    period: str | None = None,
    project: str | None = None,
    transport: httpx.BaseTransport | None = None,
) -> UploadedReport:
    endpoint = report_endpoint(url)
    body: dict[str, Any] = {"scan": scan}
    if period is not None:
        body["period"] = period
    if project is not None:
        body["project"] = project
    headers = {"Authorization": f"Bearer {token}", "User-Agent": "copyfair-scan"}
    try:
        with httpx.Client(transport=transport, timeout=TIMEOUT_SECONDS) as client:
            response = client.post(endpoint, json=body, headers=headers)
    except httpx.HTTPError as exc:
        raise ReportUploadError(
            f"cannot reach the copyfair service at {endpoint} ({type(exc).__name__}: {exc}): "
            "check the URL and that the service is running"
        ) from None
    if response.status_code != 201:
        raise ReportUploadError(
            f"the copyfair service at {endpoint} refused the report "
            f"(HTTP {response.status_code}): {_server_message(response)}"
        )
    try:
        data = response.json()
        summary = data.get("summary", {})
        totals = tuple((t["currency"], int(t["amount_minor"])) for t in summary.get("totals", []))
        return UploadedReport(
            id=str(data["id"]),
            project=str(data["project"]),
            period=str(data["period"]),
            totals=totals,
            obligations=int(data.get("obligations_total", 0)),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ReportUploadError(
            f"{endpoint} answered 201 but not with a copyfair report: is it a copyfair service?"
        ) from None
