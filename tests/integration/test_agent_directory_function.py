"""The agent-directory Lambda against moto server, driven by real-shaped S3 events."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

import pytest

from functions.agent_directory import handler
from gapfill.emulator.iam import load_role, signing_as
from gapfill.emulator.iam.roles import REPO
from providers.core.tag_keys import DIRECTORY as OWNER_TAG

OWNER = "contact-centre.Agents.0123456789ab"
KEY = "agent directory/team a+b.csv"
#: The connect stack the function is deployed by.
STACK = "contact-centre-Connect"


@dataclass
class Context:
    """What the function reads from Lambda's context."""

    seconds: float = 900.0
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:agent-directory"

    def get_remaining_time_in_millis(self) -> int:
        return int(self.seconds * 1000)


def s3_event(bucket: str, key: str, event_name: str = "ObjectCreated:Put") -> dict[str, Any]:
    """An S3 notification as Lambda receives it: the key URL-encoded (spaces as '+')."""
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": "2026-01-01T00:00:00.000Z",
                "eventName": event_name,
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "agent-directory",
                    "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                    "object": {"key": quote_plus(key), "size": 1, "eTag": "0"},
                },
            }
        ]
    }


@pytest.fixture
def setup(
    aws: Callable[[str], Any], unique: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, Any]]:
    made = aws("connect").create_instance(
        IdentityManagementType="CONNECT_MANAGED",
        InstanceAlias=unique("fn"),
        InboundCallsEnabled=True,
        OutboundCallsEnabled=True,
    )
    bucket = unique("agent-dir-fn")
    aws("s3").create_bucket(Bucket=bucket)
    monkeypatch.setenv("INSTANCE_ID", made["Arn"])
    monkeypatch.setenv("OWNER", OWNER)
    monkeypatch.setenv("DIRECTORY_KEY", KEY)
    monkeypatch.setenv("REQUESTS_PER_SECOND", "500")
    monkeypatch.setenv("DEFAULT_ROUTING_PROFILE", "Basic Routing Profile")
    monkeypatch.setenv("DEFAULT_SECURITY_PROFILES", "Agent")
    # The function signs its calls as the role templates/connect.yaml gives it, for this stack.
    role = load_role(
        REPO / "templates" / "connect.yaml",
        "AgentDirectoryFunctionRole",
        stack_name=STACK,
        parameters={"AgentDirectoryBucket": bucket, "AgentDirectoryKey": KEY},
        attributes={
            "Instance.Id": made["Id"],
            "AgentUploadsTable.Arn": "arn:aws:dynamodb:us-east-1:123456789012:table/agent-uploads",
        },
    )
    with signing_as(role):
        yield {"bucket": bucket, "instance_id": made["Id"]}
    handler.set_reinvoker(None)


def put_csv(aws: Callable[[str], Any], bucket: str, key: str, rows: list[list[str]]) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Username", "FirstName", "LastName", "Email"])
    # CreateUser needs an Email on a CONNECT_MANAGED instance: one per row unless given.
    writer.writerows(row if len(row) > 3 else [*row, f"{row[0]}@example.com"] for row in rows)
    aws("s3").put_object(Bucket=bucket, Key=key, Body=out.getvalue().encode())


def managed(aws: Callable[[str], Any], instance_id: str) -> dict[str, Any]:
    found = aws("connect").search_users(
        InstanceId=instance_id,
        MaxResults=500,
        SearchFilter={"TagFilter": {"TagCondition": {"TagKey": OWNER_TAG, "TagValue": OWNER}}},
    )
    return {u["Username"]: u for u in found["Users"]}


def test_an_upload_with_an_encoded_key_syncs_the_directory(
    aws: Callable[[str], Any], setup: dict[str, Any], logs: Any
) -> None:
    key = KEY
    put_csv(aws, setup["bucket"], key, [[f"fn{i}", "F", "L"] for i in range(5)])
    result = handler.lambda_handler(s3_event(setup["bucket"], key), Context())
    (summary,) = result["results"]
    assert summary["key"] == key
    assert (summary["status"], summary["Created"]) == ("synced", 5)
    assert sorted(managed(aws, setup["instance_id"])) == [f"fn{i}" for i in range(5)]
    mapping = json.loads(
        aws("s3").get_object(Bucket=setup["bucket"], Key=summary["mappingKey"])["Body"].read()
    )
    assert summary["mappingKey"] == "agent directory/team a+b.mapping.json"
    assert set(mapping["Users"]) == {f"fn{i}" for i in range(5)}
    stored = aws("secretsmanager").get_secret_value(SecretId=f"gapfill/connect/{setup['instance_id']}/fn0")
    assert json.loads(stored["SecretString"])["Password"] not in logs.text

    put_csv(aws, setup["bucket"], key, [[f"fn{i}", "F", "Changed" if i == 2 else "L"] for i in range(4)])
    again = handler.lambda_handler(s3_event(setup["bucket"], key), Context())["results"][0]
    assert (again["Updated"], again["Deleted"], again["Unchanged"], again["Created"]) == (1, 1, 3, 0)
    assert managed(aws, setup["instance_id"])["fn2"]["IdentityInfo"]["LastName"] == "Changed"


def test_other_keys_and_events_are_ignored(aws: Callable[[str], Any], setup: dict[str, Any]) -> None:
    put_csv(aws, setup["bucket"], "elsewhere/agents.csv", [["x1", "F", "L"]])
    put_csv(aws, setup["bucket"], "agent directory/notes.txt", [["x2", "F", "L"]])
    for event in (
        s3_event(setup["bucket"], "elsewhere/agents.csv"),
        s3_event(setup["bucket"], "agent directory/notes.txt"),
        s3_event(setup["bucket"], "agent directory/agents.csv", "ObjectRemoved:Delete"),
    ):
        assert handler.lambda_handler(event, Context()) == {"results": []}
    assert managed(aws, setup["instance_id"]) == {}


def test_a_bad_file_changes_nothing_and_reports_lines(
    aws: Callable[[str], Any], setup: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "agent directory/bad.csv"
    monkeypatch.setenv("DIRECTORY_KEYS", f"{KEY};{key}")
    aws("s3").put_object(
        Bucket=setup["bucket"],
        Key=key,
        Body=b"Username,FirstName,LastName,Email\nok,O,K,ok@example.com\nbad,B,D,nope\n",
    )
    (summary,) = handler.lambda_handler(s3_event(setup["bucket"], key), Context())["results"]
    assert summary["status"] == "invalid"
    assert summary["errors"] == ["line 3: Email 'nope' is not an email address"]
    assert managed(aws, setup["instance_id"]) == {}


def test_a_long_sync_continues_through_self_invocation(
    aws: Callable[[str], Any], setup: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "agent directory/long.csv"
    monkeypatch.setenv("DIRECTORY_PATTERN", "agent directory/l*.csv")
    put_csv(aws, setup["bucket"], key, [[f"ln{i:02}", "F", "L"] for i in range(12)])
    queued: list[dict[str, Any]] = []
    handler.set_reinvoker(lambda payload, _ctx: queued.append(json.loads(json.dumps(payload))))
    budget = iter([7.1, 7.1, 7.1, 7.1, 7.1, 7.1, 7.1, 0.0])

    class ShortContext(Context):
        def get_remaining_time_in_millis(self) -> int:
            return int(next(budget, 0.0) * 1000)

    first = handler.lambda_handler(s3_event(setup["bucket"], key), ShortContext())["results"][0]
    assert first["status"] == "continued"
    assert 0 < first["Created"] < 12
    assert len(queued) == 1
    rest = handler.lambda_handler(queued[0], Context())["results"][0]
    assert rest["status"] == "synced"
    assert rest["Created"] == 12, "counts carry over the continuation"
    assert rest["Unchanged"] == 0
    assert len(managed(aws, setup["instance_id"])) == 12


def _ten_synced(aws: Callable[[str], Any], setup: dict[str, Any]) -> None:
    put_csv(aws, setup["bucket"], KEY, [[f"keep{i}", "F", "L"] for i in range(10)])
    (summary,) = handler.lambda_handler(s3_event(setup["bucket"], KEY), Context())["results"]
    assert (summary["status"], summary["Created"]) == ("synced", 10)


def test_another_csv_in_the_folder_is_only_logged(
    aws: Callable[[str], Any], setup: dict[str, Any], logs: Any
) -> None:
    """Issue 11 item 1: before, this upload gave Created 1, Deleted 10."""
    _ten_synced(aws, setup)
    other = "agent directory/new-hires.csv"
    put_csv(aws, setup["bucket"], other, [["hire0", "F", "L"]])
    assert handler.lambda_handler(s3_event(setup["bucket"], other), Context()) == {"results": []}
    assert sorted(managed(aws, setup["instance_id"])) == sorted(f"keep{i}" for i in range(10))
    assert "not the configured directory CSV" in logs.text


def test_the_upload_function_applies_the_same_deletion_guard(
    aws: Callable[[str], Any], setup: dict[str, Any], logs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ten_synced(aws, setup)
    put_csv(aws, setup["bucket"], KEY, [])
    (summary,) = handler.lambda_handler(s3_event(setup["bucket"], KEY), Context())["results"]
    assert summary["status"] == "refused"
    assert summary["reason"].startswith("AllowEmpty: ")
    assert "would delete 10 of 10 managed users" in summary["reason"]
    put_csv(aws, setup["bucket"], KEY, [["keep0", "F", "L"]])
    (summary,) = handler.lambda_handler(s3_event(setup["bucket"], KEY), Context())["results"]
    assert summary["status"] == "refused"
    assert summary["reason"].startswith("MaxDeletions: ")
    assert "agent directory refused by the deletion guard" in logs.text
    assert len(managed(aws, setup["instance_id"])) == 10
    monkeypatch.setenv("MAX_DELETIONS", "9")
    (summary,) = handler.lambda_handler(s3_event(setup["bucket"], KEY), Context())["results"]
    assert (summary["status"], summary["Deleted"]) == ("synced", 9)
