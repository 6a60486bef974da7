"""The contact-centre frontend passes a SAML sign-in URL to the custom CCP page (empty: none), and
lets a stack deletion empty its page bucket when the environment turns that on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cfnlint.decode import decode

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def load(name: str) -> dict[str, Any]:
    template, matches = decode(str(TEMPLATES / f"{name}.yaml"))
    assert not matches, matches
    assert isinstance(template, dict)
    return template


def test_saml_url_reaches_the_pages_login_url_only_when_given() -> None:
    frontend = load("frontend")
    assert frontend["Parameters"]["SamlUrl"]["Default"] == ""
    values = frontend["Resources"]["CcpPage"]["Properties"]["Values"]
    assert values["LoginUrl"] == {"Ref": "SamlUrl"}  # the page ignores an empty LoginUrl
    main = load("main")
    passed = main["Resources"]["Frontend"]["Properties"]["Parameters"]
    assert passed["SamlUrl"] == {"Ref": "SamlUrl"}
    assert main["Parameters"]["SamlUrl"]["Default"] == ""


def test_the_page_bucket_emptier_is_switched_per_environment() -> None:
    emptier = load("frontend")["Resources"]["PageBucketEmptier"]
    assert emptier["Type"] == "Custom::S3BucketEmptier"
    assert emptier["Properties"]["BucketName"] == {"Ref": "PageBucket"}
    assert emptier["Properties"]["Enabled"] == {"Ref": "EmptyPageBucketOnDelete"}
    passed = load("main")["Resources"]["Frontend"]["Properties"]["Parameters"]
    assert passed["EmptyPageBucketOnDelete"] == {"Ref": "EmptyBucketsOnDelete"}
