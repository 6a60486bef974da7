"""Phone numbers: search, claim (asynchronous, racy), describe, flow association, release.

A claim is accepted at once and settles later: ``describe_phone_number`` reports
IN_PROGRESS until ``phone_claim_delay`` has passed, then CLAIMED or FAILED. The
``phone_claim_races`` knob makes the next claims lose to "another claimer" (FAILED, and
the number is gone from search results), ``phone_claim_failure`` fails every claim.
The same ClientToken with the same number returns the first claim; with another number it
is an IdempotencyException, as in AWS. Released numbers enter a cooldown and are not
offered again.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gapfill.emulator import documented
from gapfill.emulator.connect.errors import (
    IdempotencyException,
    InvalidParameterException,
    ResourceInUseException,
    ResourceNotFoundException,
)
from gapfill.emulator.connect.instances import body, max_results, new_id, page, path, query, token_offset

if TYPE_CHECKING:
    _Base = Any
else:
    _Base = object

#: Calling codes of the countries the emulator offers numbers in.
CALLING_CODES = {
    "US": "1",
    "CA": "1",
    "GB": "44",
    "DE": "49",
    "FR": "33",
    "AU": "61",
    "JP": "81",
    "NL": "31",
    "IE": "353",
    "ES": "34",
    "IT": "39",
    "NZ": "64",
    "SG": "65",
    "ZA": "27",
    "BR": "55",
    "MX": "52",
}
_BASE = {"DID": "206555", "TOLL_FREE": "800555"}

CLAIM_TOKEN_RULE = documented.rule(
    id="connect.claim-phone-number.client-token-uuid",
    service="connect",
    operations=("ClaimPhoneNumber",),
    source="https://docs.aws.amazon.com/connect/latest/APIReference/API_ClaimPhoneNumber.html",
    fact=(
        "ClientToken: Pattern ^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$ "
        "(stated in the member's documentation; the model's ClientToken shape carries only its "
        "500-character maximum). No other Connect operation documents a pattern for ClientToken."
    ),
)
UNKNOWN_TARGET_RULE = documented.rule(
    id="connect.list-phone-numbers-v2.unknown-target",
    service="connect",
    operations=("ListPhoneNumbersV2",),
    source="https://docs.aws.amazon.com/connect/latest/APIReference/API_ListPhoneNumbersV2.html",
    fact=(
        "When given an instance ARN (TargetArn) or InstanceId, ListPhoneNumbersV2 returns the numbers "
        "claimed to that instance; ResourceNotFoundException: the specified resource was not found "
        "(an instance that does not exist), rather than an empty list."
    ),
)
_CLAIM_TOKEN = re.compile(r"^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$")
NATIONAL_DIGITS = 10


@dataclass
class Claim:
    id: str
    arn: str
    number: str
    country: str
    type: str
    description: str
    target_arn: str
    instance_id: str
    client_token: str | None
    ready_at: float
    failure: str | None
    flow_arn: str | None = None
    claimed_at: float = field(default_factory=time.time)

    @property
    def status(self) -> str:
        if time.time() < self.ready_at:
            return "IN_PROGRESS"
        return "FAILED" if self.failure else "CLAIMED"

    def summary(self, tags: dict[str, str]) -> dict[str, Any]:
        status: dict[str, Any] = {"Status": self.status}
        if self.status == "FAILED":
            status["Message"] = self.failure
        return {
            "PhoneNumberId": self.id,
            "PhoneNumberArn": self.arn,
            "PhoneNumber": self.number,
            "PhoneNumberCountryCode": self.country,
            "PhoneNumberType": self.type,
            "PhoneNumberDescription": self.description,
            "TargetArn": self.target_arn,
            "InstanceId": self.instance_id,
            "Tags": tags,
            "PhoneNumberStatus": status,
        }


def candidates(country: str, number_type: str, prefix: str | None) -> Iterator[str]:
    """Every number the emulator could offer for a search, in a stable order."""
    code = CALLING_CODES.get(country)
    if code is None or number_type not in _BASE:
        return
    total = len(code) + NATIONAL_DIGITS
    stem = (prefix or "").lstrip("+") or code + _BASE[number_type]
    if not stem.startswith(code) or not stem.isdigit() or len(stem) > total:
        return
    free = total - len(stem)
    for n in range(min(10**free, 100_000)):
        yield "+" + stem + (str(n).zfill(free) if free else "")


class Backend(_Base):
    def init_state(self) -> None:
        self.phone_claims: dict[str, Claim] = {}
        #: Numbers nobody may claim: won by another claimer, or released (cooldown).
        self.unavailable_numbers: set[str] = set()
        self.claim_tokens: dict[str, str] = {}

    def _held(self) -> set[str]:
        held = {c.number for c in self.phone_claims.values() if c.status != "FAILED"}
        return held | self.unavailable_numbers

    def search_available_phone_numbers(
        self, country: str, number_type: str, prefix: str | None, wanted: int
    ) -> list[dict[str, str]]:
        held = self._held()
        found: list[dict[str, str]] = []
        for number in candidates(country, number_type, prefix):
            if number in held:
                continue
            found.append(
                {"PhoneNumber": number, "PhoneNumberCountryCode": country, "PhoneNumberType": number_type}
            )
            if len(found) >= wanted:
                break
        return found

    def _number_kind(self, number: str) -> tuple[str, str] | None:
        for country, code in CALLING_CODES.items():
            digits = number.lstrip("+")
            if number.startswith("+" + code) and len(digits) == len(code) + NATIONAL_DIGITS:
                national = digits[len(code) :]
                return country, "TOLL_FREE" if national.startswith("8") else "DID"
        return None

    def claim_phone_number(self, params: dict[str, Any]) -> Claim:
        target = str(params.get("TargetArn") or params.get("InstanceId") or "")
        if not target:
            raise InvalidParameterException("TargetArn or InstanceId is required")
        instance = self.ready_instance(target)
        number = str(params.get("PhoneNumber") or "")
        token = params.get("ClientToken")
        if token is not None and not _CLAIM_TOKEN.match(str(token)):
            raise InvalidParameterException(
                "ClientToken must match ^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$"
            )
        with self.state_lock:
            if token and token in self.claim_tokens:
                previous = self.phone_claims.get(self.claim_tokens[token])
                if previous is not None and previous.number == number:
                    return previous
                raise IdempotencyException("The ClientToken was already used with different parameters")
            kind = self._number_kind(number)
            if kind is None:
                raise InvalidParameterException(f"PhoneNumber {number} is not valid")
            if number in self._held():
                raise InvalidParameterException(f"PhoneNumber {number} is not available")
            failure = self.knobs.phone_claim_failure
            if not failure and self.knobs.phone_claim_races > 0:
                self.knobs.phone_claim_races -= 1
                self.unavailable_numbers.add(number)
                failure = f"The phone number {number} was claimed by another request"
            claim_id = new_id()
            claim = Claim(
                id=claim_id,
                arn=f"arn:aws:connect:{self.region_name}:{self.account_id}:phone-number/{claim_id}",
                number=number,
                country=kind[0],
                type=kind[1],
                description=str(params.get("PhoneNumberDescription") or ""),
                target_arn=instance.arn,
                instance_id=instance.id,
                client_token=token,
                ready_at=time.time() + float(self.knobs.phone_claim_delay or 0.0),
                failure=failure,
            )
            self.phone_claims[claim_id] = claim
            if token:
                self.claim_tokens[token] = claim_id
        if params.get("Tags"):
            self.tag_resource(claim.arn, params["Tags"])
        return claim

    def get_claim(self, phone_number_id: str) -> Claim:
        claim = self.phone_claims.get(phone_number_id.rsplit("/", 1)[-1])
        if claim is None:
            raise ResourceNotFoundException(f"Phone number not found: {phone_number_id}")
        return claim

    def release_phone_number(self, phone_number_id: str) -> None:
        claim = self.get_claim(phone_number_id)
        if claim.status == "IN_PROGRESS":
            raise ResourceInUseException("The phone number claim is still in progress")
        with self.state_lock:
            del self.phone_claims[claim.id]
            if claim.status == "CLAIMED":
                self.unavailable_numbers.add(claim.number)

    def associate_phone_number_contact_flow(
        self, phone_number_id: str, instance_id: str, flow_id: str
    ) -> None:
        claim = self.get_claim(phone_number_id)
        if claim.status != "CLAIMED":
            raise InvalidParameterException(f"Phone number {claim.id} is {claim.status}")
        instance = self.connect_ready(instance_id)
        if instance.id != claim.instance_id:
            raise InvalidParameterException(
                f"Phone number {claim.id} is not claimed for instance {instance.id}"
            )
        flow = self.get_flow(instance.id, flow_id)
        claim.flow_arn = flow.arn

    def disassociate_phone_number_contact_flow(self, phone_number_id: str, instance_id: str) -> None:
        claim = self.get_claim(phone_number_id)
        instance = self.ready_instance(instance_id)
        if instance.id != claim.instance_id or claim.flow_arn is None:
            raise ResourceNotFoundException(f"Phone number {claim.id} has no flow association")
        claim.flow_arn = None

    def claimed_numbers(self, target: str) -> list[Claim]:
        instance_id = self.instance_id_of(target) if target else ""
        return [
            c
            for c in sorted(self.phone_claims.values(), key=lambda c: (c.claimed_at, c.id))
            if c.status == "CLAIMED" and (not instance_id or c.instance_id == instance_id)
        ]

    def forget_instance_numbers(self, instance_id: str, _arn: str) -> None:
        for claim in [c for c in self.phone_claims.values() if c.instance_id == instance_id]:
            del self.phone_claims[claim.id]
            self.unavailable_numbers.add(claim.number)


class Responses(_Base):
    def search_available_phone_numbers(self) -> str:
        params = body(self)
        target = params.get("TargetArn") or params.get("InstanceId")
        if not target:
            raise InvalidParameterException("TargetArn or InstanceId is required")
        backend = self.connect_backend
        backend.ready_instance(str(target))
        size = max_results(self, params)
        start_token = params.get("NextToken")
        items = backend.search_available_phone_numbers(
            str(params.get("PhoneNumberCountryCode") or ""),
            str(params.get("PhoneNumberType") or ""),
            params.get("PhoneNumberPrefix"),
            token_offset(start_token) + (size or 10) + 1,
        )
        chunk, token = page(items, start_token, size, 10, 10)
        return json.dumps({"AvailableNumbersList": chunk, "NextToken": token})

    def claim_phone_number(self) -> str:
        claim = self.connect_backend.claim_phone_number(body(self))
        return json.dumps({"PhoneNumberId": claim.id, "PhoneNumberArn": claim.arn})

    def describe_phone_number(self) -> str:
        backend = self.connect_backend
        claim = backend.get_claim(path(self, "PhoneNumberId"))
        summary = claim.summary(backend.list_tags_for_resource(claim.arn))
        return json.dumps({"ClaimedPhoneNumberSummary": summary})

    def release_phone_number(self) -> str:
        self.connect_backend.release_phone_number(path(self, "PhoneNumberId"))
        return "{}"

    def associate_phone_number_contact_flow(self) -> str:
        params = body(self)
        self.connect_backend.associate_phone_number_contact_flow(
            path(self, "PhoneNumberId"),
            str(params.get("InstanceId") or ""),
            str(params.get("ContactFlowId") or ""),
        )
        return "{}"

    def disassociate_phone_number_contact_flow(self) -> str:
        self.connect_backend.disassociate_phone_number_contact_flow(
            path(self, "PhoneNumberId"), str(query(self, "instanceId") or "")
        )
        return "{}"

    def update_phone_number_metadata(self) -> str:
        claim = self.connect_backend.get_claim(path(self, "PhoneNumberId"))
        description = body(self).get("PhoneNumberDescription")
        if description is not None:
            claim.description = str(description)
        return "{}"

    def list_phone_numbers_v2(self) -> str:
        params = body(self)
        backend = self.connect_backend
        target = str(params.get("TargetArn") or params.get("InstanceId") or "")
        if target:
            backend.known_instance(target)
        claims = backend.claimed_numbers(target)
        countries = params.get("PhoneNumberCountryCodes") or []
        types = params.get("PhoneNumberTypes") or []
        prefix = params.get("PhoneNumberPrefix")
        items = [
            c
            for c in claims
            if (not countries or c.country in countries)
            and (not types or c.type in types)
            and (not prefix or c.number.lstrip("+").startswith(str(prefix).lstrip("+")))
        ]
        chunk, token = page(items, params.get("NextToken"), max_results(self, params), 100, 1000)
        summaries = []
        for claim in chunk:
            data = claim.summary({})
            summaries.append(
                {
                    k: data[k]
                    for k in (
                        "PhoneNumberId",
                        "PhoneNumberArn",
                        "PhoneNumber",
                        "PhoneNumberCountryCode",
                        "PhoneNumberType",
                        "TargetArn",
                        "InstanceId",
                        "PhoneNumberDescription",
                    )
                }
            )
        return json.dumps({"ListPhoneNumbersSummaryList": summaries, "NextToken": token})

    def list_flow_associations(self) -> str:
        backend = self.connect_backend
        instance = backend.ready_instance(path(self, "InstanceId"))
        resource_type = query(self, "ResourceType")
        if resource_type not in (None, "VOICE_PHONE_NUMBER"):
            return json.dumps({"FlowAssociationSummaryList": []})
        items = [
            {"ResourceId": c.arn, "FlowId": c.flow_arn, "ResourceType": "VOICE_PHONE_NUMBER"}
            for c in backend.claimed_numbers(instance.id)
            if c.flow_arn
        ]
        chunk, token = page(items, query(self, "nextToken"), max_results(self), 100, 1000)
        return json.dumps({"FlowAssociationSummaryList": chunk, "NextToken": token})
