"""``Custom::ConnectPhoneNumber``: search, claim, route to a flow, release.

A claim is accepted at once and settles later (IN_PROGRESS, then CLAIMED or FAILED); another
claimer may win the same number in between. A lost claim is retried with the next available
number, up to :data:`MAX_CLAIM_ATTEMPTS` numbers, each claim with its own client token.
Every number this resource claims carries a tag with the request's token, so a repeated
request (whose search may now offer other numbers, making AWS answer IdempotencyException)
finds the number it already claimed instead of claiming a second one.

Replacement (country, type, prefix or target changed) is a plain create: the engine claims
the new number first and CloudFormation releases the old one only afterwards.
"""

from __future__ import annotations

from typing import Any

from providers.connect import arns
from providers.core import tag_keys
from providers.core.aws import error_code, error_message
from providers.core.errors import ProviderError
from providers.core.provider import Pending, Provider, ReadResult, Result

MAX_CLAIM_ATTEMPTS = 3
_DELETE = {"phase": "delete"}
#: Errors from claim_phone_number meaning "this number is no longer yours to take".
_NUMBER_GONE = ("InvalidParameterException", "ResourceConflictException", "ResourceInUseException")


class ConnectPhoneNumber(Provider):
    NOT_READ = ("Prefix",)
    resource_type = "Custom::ConnectPhoneNumber"
    max_wait_seconds = 1800.0

    @property
    def target(self) -> str:
        return str(self.properties["TargetArn"])

    # -- create ---------------------------------------------------------------------------
    def create(self) -> Pending:
        self._check_flow_instance()
        return self._claim_next({"attempt": 0, "tried": [], "failures": []})

    def _check_flow_instance(self) -> None:
        flow_arn = self.properties.get("ContactFlowArn")
        if not flow_arn:
            return
        flow = arns.flow_ids(str(flow_arn))
        if flow is None or flow[0] != arns.instance_id(self.target):
            raise ProviderError("ContactFlowArn: the flow must belong to the TargetArn instance")

    def _claim_next(self, state: dict[str, Any]) -> Pending:
        connect = self.client("connect")
        props = self.properties
        while True:
            if state["attempt"] >= MAX_CLAIM_ATTEMPTS:
                failures = "; ".join(state["failures"][-3:]) or "no reason given"
                raise ProviderError(
                    f"could not claim a phone number after {state['attempt']} attempts: {failures}"
                )
            number = self._next_available(state["tried"])
            state["attempt"] += 1
            state["tried"].append(number)
            request: dict[str, Any] = {
                "TargetArn": self.target,
                "PhoneNumber": number,
                "ClientToken": self.client_token(f"claim-{state['attempt']}"),
                "Tags": {**arns.tag_map(props.get("Tags")), tag_keys.CREATE_TOKEN: self._create_token},
            }
            if props.get("Description"):
                request["PhoneNumberDescription"] = props["Description"]
            try:
                claimed = connect.claim_phone_number(**request)
            except Exception as exc:
                code = error_code(exc)
                if code == "IdempotencyException":
                    own = self._find_own()
                    if own is not None:
                        return self._pending(own, state)
                    raise
                if code not in _NUMBER_GONE:
                    raise
                state["failures"].append(f"{number}: {code}: {error_message(exc)}")
                continue
            state.update(id=claimed["PhoneNumberId"], arn=claimed["PhoneNumberArn"], number=number)
            return self._pending(claimed["PhoneNumberArn"], state)

    @property
    def _create_token(self) -> str:
        return self.client_token("phone-number")

    def _pending(self, arn: str, state: dict[str, Any]) -> Pending:
        state["arn"] = arn
        state["id"] = arns.phone_number_id(arn) or state.get("id")
        return Pending(arn, f"claim of phone number {state.get('number') or state['id']}", state)

    def _next_available(self, tried: list[str]) -> str:
        props = self.properties
        request: dict[str, Any] = {
            "TargetArn": self.target,
            "PhoneNumberCountryCode": props["CountryCode"],
            "PhoneNumberType": props["Type"],
            "MaxResults": 10,
        }
        if props.get("Prefix"):
            request["PhoneNumberPrefix"] = props["Prefix"]
        connect = self.client("connect")
        for _ in range(5):
            found = connect.search_available_phone_numbers(**request)
            for item in found.get("AvailableNumbersList", []):
                if item["PhoneNumber"] not in tried:
                    return str(item["PhoneNumber"])
            if not found.get("NextToken"):
                break
            request["NextToken"] = found["NextToken"]
        prefix = f" with prefix {props['Prefix']}" if props.get("Prefix") else ""
        raise ProviderError(
            f"no {props['Type']} phone numbers available in {props['CountryCode']}{prefix} "
            f"(CountryCode/Type/Prefix)"
        )

    def _find_own(self) -> str | None:
        """The number an earlier try of this request claimed, found by its token tag."""
        connect = self.client("connect")
        request = {
            "TargetArn": self.target,
            "PhoneNumberCountryCodes": [self.properties["CountryCode"]],
            "PhoneNumberTypes": [self.properties["Type"]],
        }
        for page in connect.get_paginator("list_phone_numbers_v2").paginate(**request):
            for summary in page.get("ListPhoneNumbersSummaryList", []):
                described = connect.describe_phone_number(PhoneNumberId=summary["PhoneNumberId"])
                tags = described["ClaimedPhoneNumberSummary"].get("Tags") or {}
                if tag_keys.carries_token(tags, self._create_token):
                    return str(summary["PhoneNumberArn"])
        return None

    def check(self, pending: Pending) -> Result | Pending:
        state = pending.state
        if state.get("releasing"):
            return self._release(state["id"], pending)
        connect = self.client("connect")
        summary = connect.describe_phone_number(PhoneNumberId=state["id"])["ClaimedPhoneNumberSummary"]
        status = (summary.get("PhoneNumberStatus") or {}).get("Status")
        if status == "IN_PROGRESS":
            return pending
        if status == "CLAIMED":
            self._associate(summary)
            return self._result(summary)
        message = (summary.get("PhoneNumberStatus") or {}).get("Message") or f"status {status}"
        self.log.warning(
            "phone number claim failed; trying the next number",
            extra={"phase": "create", "number": state.get("number"), "error": message},
        )
        state["failures"].append(f"{state.get('number')}: {message}")
        return self._claim_next(state)

    def _associate(self, summary: dict[str, Any]) -> None:
        flow_arn = self.properties.get("ContactFlowArn")
        if not flow_arn:
            return
        flow = arns.flow_ids(str(flow_arn)) or ("", "")
        self.client("connect").associate_phone_number_contact_flow(
            PhoneNumberId=summary["PhoneNumberId"], InstanceId=flow[0], ContactFlowId=flow[1]
        )

    @staticmethod
    def _result(summary: dict[str, Any]) -> Result:
        return Result(
            str(summary["PhoneNumberArn"]),
            {
                "PhoneNumberId": summary["PhoneNumberId"],
                "PhoneNumberArn": summary["PhoneNumberArn"],
                "Address": summary.get("PhoneNumber", ""),
            },
        )

    # -- read -----------------------------------------------------------------------------
    def read(self) -> ReadResult | None:
        """The claimed number: target, country, type, description, user tags and the flow
        associated with it (ListFlowAssociations; DescribePhoneNumber does not say). ``Prefix``
        only steered the search for a number and is not kept (``NOT_READ``)."""
        arn = str(self.physical_id or "")
        number_id = arns.phone_number_id(arn)
        if number_id is None:
            return None
        connect = self.client("connect")
        try:
            summary = connect.describe_phone_number(PhoneNumberId=number_id)["ClaimedPhoneNumberSummary"]
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
            return None
        props: dict[str, Any] = {
            "TargetArn": summary.get("TargetArn"),
            "CountryCode": summary.get("PhoneNumberCountryCode"),
            "Type": summary.get("PhoneNumberType"),
        }
        if summary.get("PhoneNumberDescription"):
            props["Description"] = summary["PhoneNumberDescription"]
        flow = self._associated_flow(arn, str(summary.get("InstanceId") or ""))
        if flow:
            props["ContactFlowArn"] = flow
        tags = arns.user_tags(summary.get("Tags"))
        if tags:
            props["Tags"] = tags
        data = self._result(summary).data
        return ReadResult({**props, **data}, data)

    def _associated_flow(self, number_arn: str, instance_id: str) -> str | None:
        if not instance_id:
            return None
        pages = self.client("connect").get_paginator("list_flow_associations")
        for page in pages.paginate(InstanceId=instance_id, ResourceType="VOICE_PHONE_NUMBER"):
            for item in page.get("FlowAssociationSummaryList", []):
                if item.get("ResourceId") == number_arn:
                    return str(item.get("FlowId") or "") or None
        return None

    def list_ids(self) -> list[str]:
        """Every claimed number (ListPhoneNumbersV2), of ``TargetArn`` when it is given."""
        scope = {"TargetArn": self.target} if self.properties.get("TargetArn") else {}
        pages = self.client("connect").get_paginator("list_phone_numbers_v2").paginate(**scope)
        return [
            str(n["PhoneNumberArn"]) for page in pages for n in page.get("ListPhoneNumbersSummaryList", [])
        ]

    def desired_read(self) -> dict[str, Any]:
        props = dict(self.properties)
        if props.get("Tags"):
            props["Tags"] = arns.user_tags(arns.tag_map(props["Tags"]))
        if not props.get("Description"):
            props.pop("Description", None)
        return props

    # -- update ---------------------------------------------------------------------------
    def update(self) -> Result:
        arn = str(self.physical_id)
        number_id = arns.phone_number_id(arn)
        if number_id is None:
            raise ProviderError(f"physical id {arn[:200]} is not a phone number ARN")
        self._check_flow_instance()
        props, old = self.properties, self.old_properties
        connect = self.client("connect")
        if props.get("Description", "") != old.get("Description", ""):
            connect.update_phone_number_metadata(
                PhoneNumberId=number_id,
                PhoneNumberDescription=props.get("Description", ""),
                ClientToken=self.client_token("metadata"),
            )
        to_set, to_remove = arns.tag_changes(arns.tag_map(old.get("Tags")), arns.tag_map(props.get("Tags")))
        if to_set:
            connect.tag_resource(resourceArn=arn, tags=to_set)
        if to_remove:
            connect.untag_resource(resourceArn=arn, tagKeys=to_remove)
        summary = connect.describe_phone_number(PhoneNumberId=number_id)["ClaimedPhoneNumberSummary"]
        if props.get("ContactFlowArn"):
            self._associate(summary)
        elif old.get("ContactFlowArn"):
            self._disassociate(number_id, str(summary.get("InstanceId") or ""))
        return self._result(summary)

    def _disassociate(self, number_id: str, instance_id: str) -> None:
        try:
            self.client("connect").disassociate_phone_number_contact_flow(
                PhoneNumberId=number_id, InstanceId=instance_id
            )
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise

    # -- delete ---------------------------------------------------------------------------
    def delete(self) -> Result | Pending | None:
        number_id = arns.phone_number_id(str(self.physical_id))
        if number_id is None:
            self.log.warning("physical id is not a phone number ARN; nothing to release", extra=_DELETE)
            return None
        waiting = "phone number claim to settle before release"
        pending = Pending(str(self.physical_id), waiting, {"id": number_id, "releasing": True})
        return self._release(number_id, pending)

    def _release(self, number_id: str, pending: Pending) -> Result | Pending:
        connect = self.client("connect")
        done = Result(str(self.physical_id))
        try:
            summary = connect.describe_phone_number(PhoneNumberId=number_id)["ClaimedPhoneNumberSummary"]
        except Exception as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return done
            raise
        status = (summary.get("PhoneNumberStatus") or {}).get("Status")
        if status == "IN_PROGRESS":
            return pending
        if status == "CLAIMED" and summary.get("InstanceId"):
            self._disassociate(number_id, str(summary["InstanceId"]))
        try:
            connect.release_phone_number(PhoneNumberId=number_id, ClientToken=self.client_token("release"))
        except Exception as exc:
            code = error_code(exc)
            if code == "ResourceNotFoundException":
                return done
            if code == "ResourceInUseException":
                return pending
            raise
        return done
