"""Our SAR requests against the SAM CLI's own: `sam publish`'s request builders (vendored
serverlessrepo in .tools/sam) on the same packaged template give the same parameters."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from gapfill.bundling import samtemplate, sar
from gapfill.local.template import loads

REPO = Path(__file__).resolve().parents[2]
SAM_PYTHON = REPO / ".tools" / "sam" / "bin" / "python"
APP_ID = sar.application_id("aws", "us-east-1", "123456789012", "gapfill-providers")
pytestmark = pytest.mark.tools

SCRIPT = """
import json, sys
from samcli.vendor.serverlessrepo import publish, parser
from samcli.vendor.serverlessrepo.application_metadata import ApplicationMetadata
text = open(sys.argv[1]).read()
template = parser.parse_template(text)
meta = parser.get_app_metadata(template)
stripped = parser.strip_app_metadata(template)
print(json.dumps({
    "create": publish._create_application_request(meta, "BODY"),
    "update": publish._update_application_request(meta, sys.argv[2]),
    "version": publish._create_application_version_request(meta, sys.argv[2], "BODY"),
    "stripped": stripped,
}))
"""


def test_our_requests_are_the_ones_sam_publish_would_send(tmp_path: Path) -> None:
    assert SAM_PYTHON.exists(), "run scripts/tool-venvs.sh (it makes .tools/sam)"
    artefacts = sar.Artefacts("s3://b/k/code.zip", "s3://b/k/LICENSE", "s3://b/k/README.md")
    text = sar.packaged(samtemplate.TEMPLATE_PATH.read_text(encoding="utf-8"), artefacts)
    path = tmp_path / "packaged.yaml"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [str(SAM_PYTHON), "-c", SCRIPT, str(path), APP_ID], capture_output=True, text=True, check=True
    )
    theirs = json.loads(done.stdout)
    meta, body = sar.listing(text)
    assert sar.create_request(meta, "BODY") == theirs["create"]
    assert sar.update_request(meta, APP_ID) == theirs["update"]
    assert sar.version_request(meta, APP_ID, "BODY") == theirs["version"]
    # The body without the listing block is the template sam publish would send.
    assert loads(body) == theirs["stripped"]
