"""The frontend stack's security wiring: the page's CSP header equals the policy the provider
puts in the page, and the managed security headers are all still sent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode

from providers.html_page import ccp_template

ROOT = Path(__file__).resolve().parents[2]


def frontend() -> dict[str, Any]:
    template, matches = decode(str(ROOT / "templates" / "frontend.yaml"))
    assert not matches, matches
    return dict(template)


def resources() -> dict[str, Any]:
    return dict(frontend()["Resources"])


def test_the_csp_header_is_the_policy_the_provider_computes_for_the_page() -> None:
    found = resources()
    config = found["PageResponseHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]
    sub = config["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    text, variables = sub
    assert variables == {"CcpHost": {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "CcpUrl"}]}]}}
    for name, value in {
        "CcpHost": "alias.my.connect.aws",
        "ConnectionDataApi": "abc123",
        "AWS::Region": "eu-west-2",
        "AWS::URLSuffix": "amazonaws.com",
    }.items():
        text = text.replace("${" + name + "}", value)
    page = found["CcpPage"]["Properties"]
    # The page loads streams from the default CDN URL (with its integrity): what the header allows.
    assert "StreamsUrl" not in page["Values"]
    assert "StreamsScriptLocation" not in page
    expected = ccp_template.content_security_policy(
        {
            "streamsUrl": ccp_template.DEFAULT_STREAMS_URL,
            "streamsIntegrity": ccp_template.DEFAULT_STREAMS_INTEGRITY,
            "ccpUrl": "https://alias.my.connect.aws/ccp-v2/",
            # Same origin (the distribution's /connection-data behaviour): 'self' in the header;
            # the page's meta policy names the exact path, and browsers enforce both.
            "eventsEndpoint": "/connection-data",
        },
        header=True,
    )
    assert text == expected


def test_the_managed_security_headers_are_kept() -> None:
    found = resources()
    behaviour = found["PageDistribution"]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "PageResponseHeaders"}
    headers = found["PageResponseHeaders"]["Properties"]["ResponseHeadersPolicyConfig"][
        "SecurityHeadersConfig"
    ]
    assert set(headers) == {
        "ContentSecurityPolicy",
        "ContentTypeOptions",
        "FrameOptions",
        "ReferrerPolicy",
        "StrictTransportSecurity",
        "XSSProtection",
    }
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "strict-origin-when-cross-origin"
    assert all(value["Override"] for value in headers.values())


# -- the connection-data API ---------------------------------------------------------------------
GOOD_RECORD = {
    "type": "contact_connected",
    "at": "2026-12-01T22:00:00.000Z",
    "region": "eu-west-2",
    "detail": {"contactId": "c-1", "channel": "VOICE", "queue": "Support", "state": "CONNECTED"},
}


def model_validator() -> Any:
    from jsonschema import Draft4Validator  # API Gateway models are JSON Schema draft 4

    schema = resources()["ConnectionRecordModel"]["Properties"]["Schema"]
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema)


REFUSED_BODIES = {
    "not an object": ["contact_connected"],
    "missing type": {"at": "2026-12-01T22:00:00Z"},
    "missing at": {"type": "agent_connected"},
    "type not a record kind": {**GOOD_RECORD, "type": "DROP TABLE ctr"},
    "type too long": {**GOOD_RECORD, "type": "a" * 65},
    "unknown top-level field": {**GOOD_RECORD, "admin": True},
    "unknown detail field": {**GOOD_RECORD, "detail": {"contactId": "c", "script": "x"}},
    "oversized contact id": {**GOOD_RECORD, "detail": {"contactId": "c" * 257}},
    "oversized timestamp": {**GOOD_RECORD, "at": "2" * 41},
    "wrong type": {**GOOD_RECORD, "detail": {"contactId": 42}},
    "nested object smuggled": {**GOOD_RECORD, "detail": {"queue": {"name": "x"}}},
}


def test_the_model_accepts_what_the_page_posts() -> None:
    validator = model_validator()
    assert list(validator.iter_errors(GOOD_RECORD)) == []
    assert (
        list(validator.iter_errors({"type": "ccp_auth_fail", "at": "x", "region": "r", "detail": {}})) == []
    )


@pytest.mark.parametrize("why", list(REFUSED_BODIES))
def test_the_model_refuses_bodies_the_page_never_sends(why: str) -> None:
    assert list(model_validator().iter_errors(REFUSED_BODIES[why])), why


def test_the_largest_body_the_model_admits_is_a_few_kilobytes() -> None:
    schema = resources()["ConnectionRecordModel"]["Properties"]["Schema"]
    detail = {
        name: "x" * spec["maxLength"] for name, spec in schema["properties"]["detail"]["properties"].items()
    }
    largest = {"type": "a" * 64, "at": "x" * 40, "region": "x" * 32, "detail": detail}
    assert list(model_validator().iter_errors(largest)) == []
    assert len(json.dumps(largest).encode()) < 4096


def test_only_the_pages_distribution_can_write() -> None:
    found = resources()
    post = found["ConnectionDataPost"]["Properties"]
    assert post["ApiKeyRequired"] is True
    assert post["RequestModels"] == {"application/json": {"Ref": "ConnectionRecordModel"}}
    assert post["Integration"]["PassthroughBehavior"] == "NEVER"  # other content types: 415
    validator = found[post["RequestValidatorId"]["Ref"]]["Properties"]
    assert validator["ValidateRequestBody"] is True
    key_value = found["ConnectionDataKey"]["Properties"]["Value"]
    assert key_value == {"Fn::Sub": "{{resolve:secretsmanager:${ConnectionDataKeySecret}}}"}
    distribution = found["PageDistribution"]["Properties"]["DistributionConfig"]
    origin = next(o for o in distribution["Origins"] if o["Id"] == "connection-data")
    assert origin["OriginCustomHeaders"] == [{"HeaderName": "x-api-key", "HeaderValue": key_value}]
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    [behaviour] = distribution["CacheBehaviors"]
    assert behaviour["PathPattern"] == "/connection-data"
    assert behaviour["TargetOriginId"] == "connection-data"
    assert behaviour["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CachingDisabled
    stage = found["ConnectionDataStage"]["Properties"]
    assert origin["OriginPath"] == "/" + stage["StageName"]
    page = found["CcpPage"]["Properties"]["Values"]
    assert page["EventsEndpoint"] == {"Fn::Sub": "https://${PageDistribution.DomainName}/connection-data"}


def test_writes_are_throttled_and_capped() -> None:
    found = resources()
    [setting] = found["ConnectionDataStage"]["Properties"]["MethodSettings"]
    assert setting["ThrottlingRateLimit"] == {"Ref": "ApiRateLimit"}
    assert setting["ThrottlingBurstLimit"] == {"Ref": "ApiBurstLimit"}
    plan = found["ConnectionDataUsagePlan"]["Properties"]
    assert plan["ApiStages"] == [
        {"ApiId": {"Ref": "ConnectionDataApi"}, "Stage": {"Ref": "ConnectionDataStage"}}
    ]
    assert plan["Throttle"] == {"RateLimit": {"Ref": "ApiRateLimit"}, "BurstLimit": {"Ref": "ApiBurstLimit"}}
    assert plan["Quota"]["Period"] == "DAY"
    link = found["ConnectionDataUsagePlanKey"]["Properties"]
    assert link == {
        "KeyId": {"Ref": "ConnectionDataKey"},
        "KeyType": "API_KEY",
        "UsagePlanId": {"Ref": "ConnectionDataUsagePlan"},
    }
