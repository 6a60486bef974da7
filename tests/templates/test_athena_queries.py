"""The Athena DDL and named queries in ``templates/sql/``, run on DuckDB over sample records.

What DuckDB checks: the queries' logic (deduplication of at-least-once CTRs by
LastUpdateTimestamp, the full outer join and its exception classes, the checks' counts,
the agent event aggregation), and that every column a query reads exists in the DDL with
a type that supports the operation.

What DuckDB cannot check, and how the gap is bridged:

- the JSON SerDe (``org.openx.data.jsonserde.JsonSerDe``): Athena matches JSON keys to
  columns case-insensitively; here the sample records' keys are lower-cased before DuckDB's
  ``read_json`` reads them with the DDL's columns (Hive types translated by
  ``hive_to_duckdb``: string -> VARCHAR, int -> INTEGER, struct<> -> STRUCT, map<> -> MAP,
  array<> -> LIST). Unknown keys are ignored by both.
- partition projection and ``storage.location.template``: Glue/Athena only; the partition
  columns are added as constant columns, and the projection parameters are checked
  structurally against the template in ``test_template_wiring.py``.
- Presto/Trino-only functions: ``from_iso8601_timestamp`` is defined as a DuckDB macro
  (``CAST(x AS TIMESTAMPTZ)``, then as UTC ``TIMESTAMP``), which parses the ISO-8601 forms Connect writes. The
  rest of the SQL (``row_number() OVER``, ``FULL OUTER JOIN``, ``coalesce``, struct field
  access with ``.``) is the same in both dialects, so the query text runs unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.templates.athena_sql import hive_to_duckdb, query, read_ddl

INSTANCE = "arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555"


def _lower_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k.lower(): _lower_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower_keys(v) for v in value]
    return value


def ctr(contact: str, updated: str, agent: str | None, **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "AWSAccountId": "123456789012",
        "AWSContactTraceRecordFormatVersion": "2017-03-10",
        "ContactId": contact,
        "InitialContactId": None,
        "Channel": "VOICE",
        "InitiationMethod": "INBOUND",
        "InitiationTimestamp": "2024-03-05T10:00:00Z",
        "ConnectedToSystemTimestamp": "2024-03-05T10:00:01Z",
        "DisconnectTimestamp": "2024-03-05T10:05:00Z",
        "LastUpdateTimestamp": updated,
        "DisconnectReason": "CUSTOMER_DISCONNECT",
        "InstanceARN": INSTANCE,
        "Agent": None
        if agent is None
        else {
            "ARN": f"{INSTANCE}/agent/{agent}",
            "Username": agent,
            "ConnectedToAgentTimestamp": "2024-03-05T10:01:00Z",
            "AgentInteractionDuration": 200,
            "CustomerHoldDuration": 0,
            "AfterContactWorkDuration": 30,
            "HierarchyGroups": None,
        },
        "Queue": {
            "ARN": f"{INSTANCE}/queue/q1",
            "Name": "Support",
            "EnqueueTimestamp": "2024-03-05T10:00:05Z",
            "DequeueTimestamp": "2024-03-05T10:01:00Z",
            "Duration": 55,
        },
        "CustomerEndpoint": {"Address": "+15555550100", "Type": "TELEPHONE_NUMBER"},
        "SystemEndpoint": {"Address": "+15555550199", "Type": "TELEPHONE_NUMBER"},
        "Attributes": {"intent": "parcel"},
        "Recording": None,
    }
    record.update(extra)
    return record


def page_event(kind: str, at: str, **detail: Any) -> dict[str, Any]:
    """A record as the CustomCcp page posts it (see providers/html_page/ccp_template.py)."""
    return {"type": kind, "at": at, "region": "us-east-1", "detail": detail}


def contact_events(contact: str, queue: str = "Support", connected: bool = True) -> list[dict[str, Any]]:
    detail = {"contactId": contact, "channel": "VOICE", "queue": queue}
    events = [page_event("contact_incoming", "2024-03-05T10:00:58Z", state="connecting", **detail)]
    if connected:
        events.append(page_event("contact_connected", "2024-03-05T10:01:00Z", state="connected", **detail))
        events.append(page_event("contact_ended", "2024-03-05T10:05:00Z", state="ended", **detail))
    return events


def agent_event(agent: str, event_type: str, at: str, status: str) -> dict[str, Any]:
    return {
        "AWSAccountId": "123456789012",
        "AgentARN": f"{INSTANCE}/agent/{agent}",
        "EventId": f"{agent}-{at}",
        "EventTimestamp": at,
        "EventType": event_type,
        "InstanceARN": INSTANCE,
        "Version": "2019-05-25",
        "CurrentAgentSnapshot": {
            "AgentStatus": {
                "ARN": f"{INSTANCE}/agent-state/x",
                "Name": status,
                "StartTimestamp": at,
                "Type": "ROUTABLE",
            },
            "Configuration": {
                "Username": agent,
                "FirstName": agent.title(),
                "LastName": "Example",
                "RoutingProfile": {"ARN": f"{INSTANCE}/routing-profile/rp", "Name": "Basic"},
                "AgentHierarchyGroups": None,
            },
            "Contacts": [],
        },
        "PreviousAgentSnapshot": None,
    }


CTRS = [
    # A: first delivered while queued (no agent), then the final record; a stale copy of the
    # first version arrives last, so file order must not decide.
    ctr(
        "A",
        "2024-03-05T10:01:00Z",
        None,
        DisconnectTimestamp=None,
        Queue={"ARN": "q0", "Name": "Triage", "Duration": 3},
    ),
    ctr("A", "2024-03-05T10:05:30Z", "alice"),
    ctr(
        "A",
        "2024-03-05T10:01:00.000Z",
        None,
        DisconnectTimestamp=None,
        Queue={"ARN": "q0", "Name": "Triage", "Duration": 3},
    ),
    # B: abandoned in queue: no agent, no page record, not an exception.
    ctr("B", "2024-03-05T11:00:00Z", None),
    # C: answered by bob but the page never reported it.
    ctr("C", "2024-03-05T12:00:00Z", "bob"),
    # E: page says alice, CTR says bob.
    ctr("E", "2024-03-05T13:00:00Z", "bob"),
    # F: bad clock: disconnected before initiation, negative queue duration.
    ctr(
        "F",
        "2024-03-05T14:00:00Z",
        "carol",
        DisconnectTimestamp="2024-03-05T09:00:00Z",
        Queue={"ARN": "q", "Name": "Support", "Duration": -5},
    ),
]
CONNECTIONS = [
    page_event(
        "agent_connected", "2024-03-05T08:00:00Z", agent="alice", state="Available", stateType="routable"
    ),
    page_event(
        "agent_state_change", "2024-03-05T08:00:05Z", agent="alice", oldState="Offline", newState="Available"
    ),
    *contact_events("A"),
    # B: abandoned: the page never saw it; no agent in the CTR, so no exception.
    # C: the CTR has bob, the page only saw the contact ring (never connected).
    *contact_events("C", connected=False),
    # D: the page saw it connected, but no CTR arrived.
    *contact_events("D"),
    # E: queues differ between the page and the CTR.
    *contact_events("E", queue="Sales"),
    *contact_events("F"),
]
AGENT_EVENTS = [
    agent_event("alice", "LOGIN", "2024-03-05T08:00:00Z", "Offline"),
    agent_event("alice", "STATE_CHANGE", "2024-03-05T08:00:05Z", "Available"),
    agent_event("alice", "HEART_BEAT", "2024-03-05T08:02:05Z", "Available"),
    agent_event("alice", "STATE_CHANGE", "2024-03-05T12:00:00Z", "Lunch"),
    agent_event("bob", "LOGIN", "2024-03-05T09:00:00Z", "Offline"),
    agent_event("bob", "LOGOUT", "2024-03-05T17:00:00Z", "Offline"),
]


def _load(db: duckdb.DuckDBPyConnection, table: str, records: list[dict[str, Any]], folder: Path) -> None:
    ddl = read_ddl(table)
    path = folder / f"{table}.json"
    path.write_text("".join(json.dumps(_lower_keys(r)) + "\n" for r in records))
    columns = ", ".join(f"'{name}': '{hive_to_duckdb(kind)}'" for name, kind in ddl.columns)
    partitions = ", ".join(
        f"'{v}' AS {name}" for (name, _), v in zip(ddl.partitions, ("2024", "03", "05"), strict=True)
    )
    db.execute(
        f"CREATE TABLE {ddl.name} AS SELECT *, {partitions} "
        f"FROM read_json('{path}', format='newline_delimited', columns={{{columns}}})"
    )


@pytest.fixture
def db(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection_ = duckdb.connect(":memory:")
    connection_.execute("SET TimeZone = 'UTC'")
    connection_.execute("CREATE MACRO from_iso8601_timestamp(s) AS CAST(CAST(s AS TIMESTAMPTZ) AS TIMESTAMP)")
    _load(connection_, "ctr", CTRS, tmp_path)
    _load(connection_, "connection_data", CONNECTIONS, tmp_path)
    _load(connection_, "agent_events", AGENT_EVENTS, tmp_path)
    return connection_


def _rows(db: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = db.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_reconciliation_lists_exceptions_on_both_sides_after_deduplication(
    db: duckdb.DuckDBPyConnection,
) -> None:
    rows = _rows(db, query("reconciliation"))
    found = {(r["contactid"], r["exception"]) for r in rows}
    assert found == {("D", "NO_CTR"), ("C", "NO_CONNECTION"), ("E", "QUEUE_MISMATCH")}
    mismatch = next(r for r in rows if r["contactid"] == "E")
    assert (mismatch["page_queue"], mismatch["ctr_queue"]) == ("Sales", "Support")
    no_ctr = next(r for r in rows if r["contactid"] == "D")
    assert no_ctr["page_events"] == 3
    assert no_ctr["ctr_agent"] is None


def test_reconciliation_uses_the_latest_ctr_not_the_last_delivered(db: duckdb.DuckDBPyConnection) -> None:
    # A stale copy of A (still in Triage, no agent) arrived last: were it chosen, A would be
    # a QUEUE_MISMATCH.
    rows = _rows(db, query("reconciliation"))
    assert "A" not in {r["contactid"] for r in rows}


def test_ctr_checks_count_duplicates_and_anomalies(db: duckdb.DuckDBPyConnection) -> None:
    checks = {r["check_name"]: r["value"] for r in _rows(db, query("ctr_checks"))}
    assert checks == {
        "total_records": 7,
        "distinct_contacts": 5,
        "duplicate_records": 2,
        "missing_contactid_records": 0,
        "missing_disconnect_records": 0,
        "disconnect_before_initiation_records": 1,
        "negative_duration_records": 1,
    }


def test_agent_events_report_latest_status_and_counts(db: duckdb.DuckDBPyConnection) -> None:
    rows = {r["username"]: r for r in _rows(db, query("agent_events"))}
    assert rows["alice"]["current_status"] == "Lunch"
    assert rows["alice"]["last_event_at"] == "2024-03-05T12:00:00Z"
    assert (rows["alice"]["state_changes"], rows["alice"]["heartbeats"], rows["alice"]["logins"]) == (2, 1, 1)
    assert (rows["bob"]["logins"], rows["bob"]["logouts"], rows["bob"]["current_status"]) == (1, 1, "Offline")


def test_every_hive_type_in_the_ddl_translates() -> None:
    for table in ("ctr", "connection_data", "agent_events"):
        ddl = read_ddl(table)
        assert ddl.serde == "org.openx.data.jsonserde.JsonSerDe"
        assert [p for p, _ in ddl.partitions] == ["year", "month", "day"]
        for _, kind in ddl.columns:
            hive_to_duckdb(kind)
