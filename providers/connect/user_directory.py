"""``Custom::ConnectUserDirectory``: the agents of a CSV directory in S3, kept in sync.

The work is :mod:`providers.connect.sync`; this module maps it onto the protocol. A sync
that runs out of Lambda time returns ``Pending`` with the sync's cursor and counts as
state, and the engine continues it in a re-invocation, where ``check`` picks it up. The
physical id (instance ARN + ``/agent-directory/`` + owner tag value) is all a Delete needs:
it removes the users carrying the owner tag, their password secrets, and the mapping object
if this directory wrote it.
"""

from __future__ import annotations

from typing import Any

from providers.connect import arns, directory, directory_read, passwords
from providers.connect.guard import DeletionGuard, parse_limit
from providers.connect.pacing import requests_per_second
from providers.connect.sync import (
    AgentDirectory,
    DeletionRefusedError,
    DirectoryTooLargeError,
    InvalidDirectoryError,
    MappingNotOursError,
    Progress,
    SyncConfig,
)
from providers.core.errors import ProviderError, made
from providers.core.provider import Pending, Provider, ReadResult, Result

SEPARATOR = "/agent-directory/"


def physical_id(instance_arn: str, owner: str) -> str:
    return f"{instance_arn}{SEPARATOR}{owner}"


def parse_physical_id(value: str) -> tuple[str, str] | None:
    """(instance id, owner) from a physical id, or None if it is not one of ours."""
    instance, sep, owner = value.partition(SEPARATOR)
    if not sep or not owner or arns.parse_arn(instance) is None:
        return None
    return arns.instance_id_of(instance), owner


def _mapping_reason(exc: MappingNotOursError) -> str:
    return f"MappingKey: {exc}; choose another MappingKey or remove that object"


class ConnectUserDirectory(Provider):
    resource_type = "Custom::ConnectUserDirectory"
    max_wait_seconds = 3300.0

    # -- shared --------------------------------------------------------------------------
    def _target(self) -> tuple[str, str, str]:
        """(physical id, instance id, owner) for this request."""
        if self.physical_id and not self.replacing:
            parsed = parse_physical_id(self.physical_id)
            if parsed is not None:
                return self.physical_id, parsed[0], parsed[1]
        arn = str(self.properties["InstanceArn"])
        instance_id = arns.instance_id_of(arn)
        if arns.parse_arn(arn) is None:
            region = self.request.region or "us-east-1"
            account = self.request.stack_id.split(":")[4] if self.request.stack_id.count(":") >= 5 else ""
            arn = f"arn:aws:connect:{region}:{account}:instance/{instance_id}"
        owner = directory.owner_value(self.request.stack_id, self.request.stack_name, self.request.logical_id)
        return physical_id(arn, owner), instance_id, owner

    def _directory(self, instance_id: str, owner: str) -> AgentDirectory:
        props = self.properties
        config = SyncConfig(
            instance_id=instance_id,
            owner=owner,
            requests_per_second=requests_per_second(props.get("RequestsPerSecond")),
            default_routing_profile=props.get("DefaultRoutingProfile"),
            default_security_profiles=tuple(props.get("DefaultSecurityProfiles") or ()),
            guard=DeletionGuard(parse_limit(props.get("MaxDeletions")), props.get("AllowEmpty") is True),
            protection=passwords.SecretProtection.from_properties(props),
            time_budget=max(0.0, self.deadline.operation_left()),
        )
        return AgentDirectory(
            config, self.client, self.deadline.invocation_left, lambda values: self.keep_secret(*values)
        )

    def _mapping_key(self) -> str:
        props = self.properties
        return str(props.get("MappingKey") or directory.default_mapping_key(str(props["Key"])))

    def _hand_over(self, pid: str, what: str, progress: Progress) -> Pending:
        """Continue in a re-invocation: ``retry_after`` is the time left, so the engine hands
        over at once instead of calling ``check`` again with no time to work."""
        return Pending(
            pid,
            f"{what} ({progress.remaining} users left)",
            {**progress.state, "what": what},
            retry_after=max(0.0, self.deadline.invocation_left()),
        )

    # -- sync ------------------------------------------------------------------------------
    def _sync(self, state: dict[str, Any] | None) -> Result | Pending:
        pid, instance_id, owner = self._target()
        props = self.properties
        agents = self._directory(instance_id, owner)
        mapping_key = self._mapping_key()
        try:
            if state is None:  # refused before any user is made, not after the whole sync
                agents.check_mapping_writable(str(props["Bucket"]), mapping_key)
            # Users may be made from here on: an unexpected failure names the directory, so
            # the rollback Delete removes them (the refusals below are raised before a write).
            with made(pid):
                progress = agents.sync(str(props["Bucket"]), str(props["Key"]), props.get("VersionId"), state)
        except InvalidDirectoryError as exc:
            raise ProviderError(f"Key: s3://{props['Bucket']}/{props['Key']}: {exc}") from None
        except MappingNotOursError as exc:
            raise ProviderError(_mapping_reason(exc)) from None
        except (DeletionRefusedError, DirectoryTooLargeError) as exc:
            raise ProviderError(f"Key: s3://{props['Bucket']}/{props['Key']}: {exc}") from None
        if not progress.done:
            return self._hand_over(pid, "agent directory sync", progress)
        try:
            agents.write_mapping(str(props["Bucket"]), mapping_key, progress.mapping)
        except MappingNotOursError as exc:  # someone uploaded it while the users were synced
            raise ProviderError(_mapping_reason(exc), physical_id=pid) from None
        counts = progress.counts
        self.log.info("agent directory synced", extra={"phase": self.operation.lower(), **counts.as_data()})
        if counts.failed > int(props.get("FailureTolerance") or 0):
            raise ProviderError(
                f"agent directory sync: {counts.failed} user(s) failed ({counts}); "
                f"first failures: {'; '.join(progress.failures[:5])}. "
                "Everything else is in place; the next sync retries only what is still different.",
                physical_id=pid,
            )
        data: dict[str, Any] = {
            "DirectoryId": pid,
            "OwnerTag": owner,
            **counts.as_data(),
            **progress.plan,
            "MappingObjectKey": mapping_key,
            "PasswordSecretPrefix": f"{passwords.SECRET_PREFIX}/{instance_id}/",
        }
        return Result(pid, data)

    def create(self) -> Result | Pending:
        return self._sync(None)

    def update(self) -> Result | Pending:
        return self._sync(None)

    def check(self, pending: Pending) -> Result | Pending:
        if self.operation == "Delete":
            return self._remove(pending.state)
        return self._sync(pending.state)

    # -- delete ----------------------------------------------------------------------------
    def _remove(self, state: dict[str, Any] | None) -> Result | Pending:
        parsed = parse_physical_id(str(self.physical_id))
        if parsed is None:
            self.log.info(
                "physical id is not an agent directory: nothing to delete", extra={"phase": "delete"}
            )
            return Result(str(self.physical_id))
        instance_id, owner = parsed
        agents = self._directory(instance_id, owner)
        progress = agents.remove_all(state)
        if not progress.done:
            return self._hand_over(str(self.physical_id), "agent directory removal", progress)
        if progress.counts.failed:
            failures = "; ".join(progress.failures[:5])
            raise ProviderError(f"could not delete {progress.counts.failed} managed user(s): {failures}")
        bucket, key = self.properties.get("Bucket"), self.properties.get("Key")
        if bucket and key:
            try:
                agents.remove_mapping(str(bucket), self._mapping_key())
            except Exception as exc:  # the mapping is a convenience; never block a delete on it
                self.log.warning("mapping object not removed", extra={"phase": "delete", "error": str(exc)})
        return Result(str(self.physical_id))

    def delete(self) -> Result | Pending:
        return self._remove(None)

    # -- read (providers.connect.directory_read) -----------------------------------------
    READ_VIEWS = ("Users",)
    NOT_READ = directory_read.NOT_READ

    def read(self) -> ReadResult | None:
        parsed = parse_physical_id(str(self.physical_id or ""))
        if parsed is None:
            return None
        users = directory_read.actual_users(self._directory(*parsed))
        if users is None:
            return None
        data = {"DirectoryId": str(self.physical_id), "OwnerTag": parsed[1]}
        return ReadResult(
            {"InstanceArn": directory_read.instance_arn(str(self.physical_id)), "Users": users}, data
        )

    def list_ids(self) -> list[str]:
        """Every directory with users in the instance ``InstanceArn`` names, by owner tag."""
        arn = str(self.properties["InstanceArn"])
        owners = directory_read.owners(self.client("connect"), arns.instance_id_of(arn))
        return [physical_id(arn, owner) for owner in owners]

    def desired_read(self) -> dict[str, Any]:
        pid, instance_id, owner = self._target()
        props = self.properties
        users = directory_read.desired_users(
            self._directory(instance_id, owner),
            str(props["Bucket"]),
            str(props["Key"]),
            props.get("VersionId"),
        )
        return {"InstanceArn": directory_read.same_instance(str(props["InstanceArn"]), pid), "Users": users}
