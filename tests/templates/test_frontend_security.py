"""The frontend stack's security wiring: the page's CSP header equals the policy the provider
puts in the page, and the managed security headers are all still sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
    stage = found["ConnectionDataStage"]["Properties"]["StageName"]
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
            "eventsEndpoint": f"https://abc123.execute-api.eu-west-2.amazonaws.com/{stage}/connection-data",
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
