"""The boto3 side of ``gapfill deploy``: identity guard, uploads, change sets, live events.

Every stack goes through a change set (create or update alike), so a deployment never
half-applies a template CloudFormation could not fully parse, and a template without
changes is a clean no-op. Stack events are printed as they happen; when a stack fails, the
reason of the first failure is dug out (following nested stacks down), because the last
events of a rollback only say that something else failed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gapfill.deploy import stacks
from gapfill.deploy.artifacts import Packager

Printer = Callable[[str], None]


class DeployError(RuntimeError):
    """The deployment cannot go on; the message says why and what to do."""


class IdentityMismatchError(DeployError):
    """The credentials belong to another account than the one the user named."""


def default_bucket(account_id: str, region: str) -> str:
    return f"gapfill-deploy-{account_id}-{region}"


@dataclass
class Deployer:
    """Runs the calls; ``session`` is a boto3 Session (profile and region already chosen)."""

    session: Any
    out: Printer = print
    poll_seconds: float = 5.0
    sleep: Callable[[float], None] = time.sleep
    timeout_seconds: float = 3 * 3600
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        return self.session.client(service)

    @property
    def region(self) -> str:
        return str(self.session.region_name)

    # -- guard -----------------------------------------------------------------------------
    def verify_identity(self, expected_account: str) -> str:
        """Refuse to touch an account other than the one named on the command line."""
        identity = self.client("sts").get_caller_identity()
        account = str(identity["Account"])
        if account != expected_account:
            raise IdentityMismatchError(
                f"the credentials are for account {account} ({identity.get('Arn', '?')}), "
                f"not {expected_account} given with --account-id: nothing was changed"
            )
        self.out(f"deploying as {identity.get('Arn', '?')} to account {account} in {self.region}")
        return account

    # -- artefacts -------------------------------------------------------------------------
    def ensure_bucket(self, bucket: str, *, create: bool) -> None:
        s3 = self.client("s3")
        try:
            s3.head_bucket(Bucket=bucket)
            return
        except Exception as exc:
            code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
            if code not in ("404", "NoSuchBucket", "NotFound"):
                raise DeployError(f"deployment bucket {bucket}: {exc}") from exc
        if not create:
            raise DeployError(f"deployment bucket {bucket} does not exist (create it, or omit the option)")
        self.out(f"creating deployment bucket {bucket}")
        kwargs: dict[str, Any] = {"Bucket": bucket}
        if self.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        s3.create_bucket(**kwargs)
        s3.put_public_access_block(
            Bucket=bucket,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )

    def upload(self, packager: Packager) -> int:
        """Put every artefact not already there (keys are content hashes); returns how many."""
        s3 = self.client("s3")
        sent = 0
        for key, data in packager.uploads.items():
            try:
                s3.head_object(Bucket=packager.bucket, Key=key)
                continue
            except Exception as exc:
                code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
                if code not in ("404", "NoSuchKey", "NotFound"):
                    raise
            s3.put_object(Bucket=packager.bucket, Key=key, Body=data, ServerSideEncryption="AES256")
            self.out(f"  uploaded {packager.sources.get(key, key)} -> s3://{packager.bucket}/{key}")
            sent += 1
        return sent

    # -- stacks ----------------------------------------------------------------------------
    def stack_status(self, name: str) -> str | None:
        try:
            reply = self.client("cloudformation").describe_stacks(StackName=name)
        except Exception as exc:
            if "does not exist" in str(exc):
                return None
            raise
        return str(reply["Stacks"][0]["StackStatus"])

    def deploy_stack(
        self,
        name: str,
        template_url: str,
        parameters: Sequence[Mapping[str, str]],
        *,
        tags: Mapping[str, str] | None = None,
    ) -> bool:
        """Create or update ``name`` through a change set; True when it ends complete."""
        cfn = self.client("cloudformation")
        status = self.stack_status(name)
        kind = stacks.change_set_type(status)
        request = stacks.change_set_request(
            stack_name=name,
            change_set_name=f"gapfill-{time.strftime('%Y%m%d-%H%M%S')}",
            change_set_type=kind,
            template_url=template_url,
            parameters=parameters,
            tags=tags,
        )
        self.out(f"stack {name}: {kind.lower()} change set {request['ChangeSetName']}")
        created = cfn.create_change_set(**request)
        change_set_id, stack_id = created["Id"], created["StackId"]
        description = self._wait_change_set(change_set_id)
        if stacks.change_set_is_empty(description):
            self.out(f"stack {name}: no changes")
            cfn.delete_change_set(ChangeSetName=change_set_id)
            self._record_outputs(name)
            return True
        if description.get("Status") != "CREATE_COMPLETE":
            self.out(f"stack {name}: change set failed: {description.get('StatusReason', '?')}")
            return False
        for change in description.get("Changes", []):
            rc = change.get("ResourceChange", {})
            self.out(
                f"  {rc.get('Action', '?'):<7} {rc.get('LogicalResourceId', '?')} "
                f"({rc.get('ResourceType', '?')})"
                + (" [replacement]" if rc.get("Replacement") == "True" else "")
            )
        seen = {str(e["EventId"]) for e in self._events(stack_id)}
        cfn.execute_change_set(ChangeSetName=change_set_id)
        final = self.watch(stack_id, seen)
        if final in stacks.SUCCESS:
            self.out(f"stack {name}: {final}")
            self._record_outputs(name)
            return True
        self.out(f"stack {name}: {final}")
        failure = self.first_failure(stack_id, seen)
        if failure is not None:
            self.out(
                f"first failure: {failure.get('LogicalResourceId')} ({failure.get('ResourceType')}): "
                f"{failure.get('ResourceStatusReason', 'no reason given')}"
            )
        return False

    def _wait_change_set(self, change_set_id: str) -> dict[str, Any]:
        cfn = self.client("cloudformation")
        deadline = time.monotonic() + 600
        while True:
            description = dict(cfn.describe_change_set(ChangeSetName=change_set_id))
            if description.get("Status") in ("CREATE_COMPLETE", "FAILED"):
                return description
            if time.monotonic() > deadline:
                raise DeployError(
                    f"change set {change_set_id} still {description.get('Status')} after 10 min"
                )
            self.sleep(self.poll_seconds)

    def _events(self, stack_id: str) -> list[dict[str, Any]]:
        paginator = self.client("cloudformation").get_paginator("describe_stack_events")
        events: list[dict[str, Any]] = []
        for page in paginator.paginate(StackName=stack_id):
            events.extend(page.get("StackEvents", []))
        return events

    def watch(self, stack_id: str, seen: set[str]) -> str:
        """Print new events until the stack is stable; returns its final status."""
        deadline = time.monotonic() + self.timeout_seconds
        while True:
            status = self.stack_status(stack_id) or "DELETE_COMPLETE"
            fresh = [e for e in self._events(stack_id) if str(e["EventId"]) not in seen]
            for event in stacks.chronological(fresh):
                seen.add(str(event["EventId"]))
                self.out("  " + stacks.format_event(event))
            if stacks.is_terminal(status):
                return status
            if time.monotonic() > deadline:
                raise DeployError(f"stack still {status} after {self.timeout_seconds:.0f}s; see the console")
            self.sleep(self.poll_seconds)

    def first_failure(self, stack_id: str, seen: set[str], depth: int = 0) -> Mapping[str, Any] | None:
        """The first failure of this deployment, followed into a nested stack when it is one."""
        events = self._events(stack_id)
        current = [e for e in events if str(e["EventId"]) not in seen] if depth == 0 else events
        failure = stacks.first_failure(current or events)
        if (
            failure is not None
            and depth < 4
            and failure.get("ResourceType") == "AWS::CloudFormation::Stack"
            and failure.get("PhysicalResourceId")
            and failure.get("PhysicalResourceId") != stack_id
        ):
            try:
                deeper = self.first_failure(str(failure["PhysicalResourceId"]), set(), depth + 1)
            except Exception:
                deeper = None
            if deeper is not None:
                return deeper
        return failure

    def _record_outputs(self, name: str) -> None:
        reply = self.client("cloudformation").describe_stacks(StackName=name)
        self.outputs[name] = {
            str(o["OutputKey"]): str(o.get("OutputValue", "")) for o in reply["Stacks"][0].get("Outputs", [])
        }

    def outputs_json(self) -> str:
        return json.dumps(self.outputs, indent=2, sort_keys=True)
