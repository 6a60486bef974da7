"""Page and script keys: the provider's check and the schema's pattern agree."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from providers.core.errors import ProviderError
from providers.html_page.keys import KEY_PATTERN, check_key

ROOT = Path(__file__).resolve().parents[2]
GOOD = ["index.html", "ccp/index.html", ".well-known/x", "a/.b/c", "a/b..c", "...", "%20a"]
BAD = {
    "": "must not be empty",
    "/index.html": "start with '/'",
    "a//b": "empty segments",
    "a/": "empty segments",
    "a/../b": "'..' segments",
    "./a": "'.' or '..' segments",
    "a/%2E%2e/b": "'..' segments",
    "a\\b": "'\\'",
}


@pytest.mark.parametrize("key", GOOD)
def test_good_keys_pass_both(key: str) -> None:
    assert check_key(key, "Key") == key
    assert re.match(KEY_PATTERN, key)


@pytest.mark.parametrize(("key", "why"), BAD.items())
def test_bad_keys_are_refused_with_a_reason_naming_the_property(key: str, why: str) -> None:
    with pytest.raises(ProviderError, match=r"^StreamsScriptKey: ") as refused:
        check_key(key, "StreamsScriptKey")
    assert why in str(refused.value)
    if "%" not in key:  # the schema cannot decode; the provider's check does
        assert not re.match(KEY_PATTERN, key)


def test_the_schema_uses_the_same_pattern() -> None:
    schema = json.loads((ROOT / "schemas" / "HtmlPage.json").read_text())
    assert schema["properties"]["Key"]["pattern"] == KEY_PATTERN
    assert schema["properties"]["StreamsScriptKey"]["pattern"] == KEY_PATTERN
