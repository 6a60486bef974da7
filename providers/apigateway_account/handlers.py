"""``Custom::ApiGatewayAccount``: set API Gateway's CloudWatch Logs role if the region has none.

The role is one setting per account and region, shared by every stage of every stack there.
``AWS::ApiGateway::Account`` overwrites it (and CloudFormation keeps it on delete), which
breaks logging of another team's stages when their role differs. This provider reads the
setting first and writes it only when it is empty (protocol rule 6); a role someone else
set is kept and reported as ``EffectiveRoleArn``, so a stage that depends on this resource
can log either way. Delete leaves the setting: other stages in the region may rely on it,
and unsetting it would make their next deployment fail.

The physical id is ``apigateway-account:<region>``; there is nothing to replace.
"""

from __future__ import annotations

from typing import Any

from providers.core.provider import Provider, ReadResult, Result

PID_PREFIX = "apigateway-account:"


def physical_id(region: str | None) -> str:
    return PID_PREFIX + (region or "default")


def decide(current: str | None, wanted: str) -> tuple[bool, str]:
    """(write?, role in effect afterwards): write only over an empty setting."""
    if not current:
        return True, wanted
    return False, current


class ApiGatewayAccount(Provider):
    resource_type = "Custom::ApiGatewayAccount"

    def create(self) -> Result:
        return self._ensure()

    def update(self) -> Result:
        return self._ensure()

    def delete(self) -> None:
        self.log.info("the region's CloudWatch role setting is left as it is", extra={"phase": "delete"})

    def _ensure(self) -> Result:
        wanted = str(self.properties["CloudWatchRoleArn"])
        apigateway = self.client("apigateway")
        current = apigateway.get_account().get("cloudwatchRoleArn")
        write, effective = decide(current, wanted)
        if write:
            apigateway.update_account(
                patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": wanted}]
            )
        elif effective != wanted:
            self.log.info(
                "another CloudWatch role is set for the region; kept it",
                extra={"phase": self.operation.lower(), "effectiveRole": effective},
            )
        data = {
            "EffectiveRoleArn": effective,
            "SetByThisResource": "true" if effective == wanted else "false",
        }
        return Result(physical_id(self.request.region), data)

    def desired_read(self) -> dict[str, Any]:
        """A role someone else had set is kept by design, so the role in effect is what this
        resource asks for; only an unset region differs (documented in docs/drift.md)."""
        current = self.client("apigateway").get_account().get("cloudwatchRoleArn")
        return {**self.properties, "CloudWatchRoleArn": current or self.properties.get("CloudWatchRoleArn")}

    def list_ids(self) -> list[str]:
        """The region's one setting, while a role is set."""
        current = self.client("apigateway").get_account().get("cloudwatchRoleArn")
        return [physical_id(self.request.region)] if current else []

    def read(self) -> ReadResult | None:
        """The region's role setting. ``CloudWatchRoleArn`` reads as the role in effect: AWS keeps
        one role per region and cannot say who set it, so ``SetByThisResource`` (a deploy-time
        fact) is not read, and a role someone else had set reads as a changed CloudWatchRoleArn."""
        if not str(self.physical_id or "").startswith(PID_PREFIX):
            return None
        current = self.client("apigateway").get_account().get("cloudwatchRoleArn")
        if not current:
            return ReadResult({}, {})
        return ReadResult({"CloudWatchRoleArn": current}, {"EffectiveRoleArn": current})
