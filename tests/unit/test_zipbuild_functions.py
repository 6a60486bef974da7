"""The runtime functions' zips: what goes in is found by following imports (small fake trees,
no pip), and the build refuses code that would fail to import in Lambda."""

from __future__ import annotations

from pathlib import Path

import pytest

from gapfill.bundling import zipbuild

SPEC = zipbuild.FunctionSpec("demo", "functions.demo.handler.lambda_handler", ())


def write(root: Path, relative: str, text: str = "") -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def fake_tree(root: Path) -> Path:
    write(root, "functions/__init__.py")
    write(root, "functions/demo/__init__.py")
    write(
        root,
        "functions/demo/handler.py",
        "from __future__ import annotations\n"
        "import json\n"
        "from providers.core import used\n"
        "from .helpers import helper\n"
        "def lambda_handler(event, context):\n"
        "    import boto3\n"
        "    from providers.lazy import later\n"
        "    return helper(used.X)\n",
    )
    write(root, "functions/demo/helpers.py", "import aws_lambda_powertools\ndef helper(x):\n    return x\n")
    write(root, "functions/demo/template.txt", "data shipped with the package\n")
    write(root, "functions/other/__init__.py", "raise RuntimeError('not part of demo')\n")
    write(root, "providers/__init__.py")
    write(root, "providers/core/__init__.py")
    write(root, "providers/core/used.py", "from providers.core.ids import short\nX = 1\n")
    write(root, "providers/core/ids.py", "short = 1\n")
    write(root, "providers/core/engine.py", "import jsonschema\n")
    write(root, "providers/lazy.py", "later = 2\n")
    (root / "functions" / "demo" / "__pycache__").mkdir()
    (root / "functions" / "demo" / "__pycache__" / "handler.cpython-312.pyc").write_bytes(b"\0")
    return root


def test_sources_are_the_package_and_exactly_what_it_imports(tmp_path: Path) -> None:
    root = fake_tree(tmp_path)
    sources, third_party = zipbuild.function_sources(root, SPEC)
    assert sorted(sources) == [
        "functions/__init__.py",
        "functions/demo/__init__.py",
        "functions/demo/handler.py",
        "functions/demo/helpers.py",
        "functions/demo/template.txt",
        "providers/__init__.py",
        "providers/core/__init__.py",
        "providers/core/ids.py",
        "providers/core/used.py",
        "providers/lazy.py",  # a lazy import inside the handler runs in Lambda too
    ]
    # Not engine.py (nothing imports it), so not jsonschema either.
    assert third_party == {"json", "boto3", "aws_lambda_powertools"}


def test_modules_with_runtime_data_bring_it(tmp_path: Path) -> None:
    root = fake_tree(tmp_path)
    write(root, "providers/core/schema.py", "import json\n")
    write(root, "schemas/Thing.json", "{}")
    write(root, "providers/core/used.py", "from providers.core import schema\nX = 1\n")
    sources, _ = zipbuild.function_sources(root, SPEC)
    assert "providers/core/schema.py" in sources
    assert "schemas/Thing.json" in sources


@pytest.mark.parametrize(
    ("relative", "text", "needle"),
    [
        ("functions/demo/helpers.py", "from gapfill.bundling import zipbuild\n", "never ships to Lambda"),
        ("functions/demo/helpers.py", "import providers.nowhere\n", "providers.nowhere is imported but"),
        ("functions/demo/helpers.py", "def broken(:\n", "helpers.py"),
        ("functions/demo/helpers.py", "from .... import x\n", "relative import beyond the tree"),
    ],
)
def test_code_that_cannot_ship_is_refused(tmp_path: Path, relative: str, text: str, needle: str) -> None:
    root = fake_tree(tmp_path)
    write(root, relative, text)
    with pytest.raises(zipbuild.BuildError, match=needle):
        zipbuild.function_sources(root, SPEC)


def test_missing_handler_module_is_refused(tmp_path: Path) -> None:
    root = fake_tree(tmp_path)
    spec = zipbuild.FunctionSpec("demo", "functions.demo.nohandler.lambda_handler", ())
    with pytest.raises(zipbuild.BuildError, match=r"handler module functions\.demo\.nohandler"):
        zipbuild.function_sources(root, spec)


def fake_site(base: Path, requires: list[str]) -> Path:
    site = base / "site"
    write(site, "aws_lambda_powertools/__init__.py")
    lines = ["Metadata-Version: 2.1", "Name: aws-lambda-powertools", "Version: 3.37.0"]
    lines += [f"Requires-Dist: {r}" for r in requires]
    write(
        site,
        "aws_lambda_powertools-3.37.0.dist-info/METADATA",
        "\n".join(lines) + "\n\nRequires-Dist: body\n",
    )
    return site


def test_site_must_hold_every_import_and_every_unconditional_requirement(tmp_path: Path) -> None:
    site = fake_site(
        tmp_path,
        ["jmespath (>=1.0.1,<2.0.0)", "typing-extensions (>=4.11.0)", 'pydantic ; extra == "all"'],
    )
    imports = {"json", "boto3", "aws_lambda_powertools"}
    with pytest.raises(zipbuild.BuildError, match="aws-lambda-powertools requires typing-extensions"):
        zipbuild.check_function_site(SPEC, site, imports)
    write(site, "typing_extensions.py")
    write(site, "typing_extensions-4.16.0.dist-info/METADATA", "Name: typing_extensions\nVersion: 4.16.0\n")
    zipbuild.check_function_site(SPEC, site, imports)  # jmespath is the runtime's, pydantic an extra
    with pytest.raises(zipbuild.BuildError, match="imports requests, which is neither"):
        zipbuild.check_function_site(SPEC, site, imports | {"requests"})


def test_every_function_the_templates_name_is_specified() -> None:
    """The handlers in templates/ are exactly the functions the builder knows."""
    handlers, code_keys = set(), set()
    for template in (zipbuild.REPO / "templates").glob("*.yaml"):
        for line in template.read_text().splitlines():
            stripped = line.strip()
            if stripped.startswith(("Handler: functions.", "Handler: lambda_function.")):
                handlers.add(stripped.split(":", 1)[1].strip())
            if stripped.startswith("S3Key: ") and stripped.endswith(".zip"):
                code_keys.add(stripped.split(":", 1)[1].strip())
    assert handlers == {spec.handler for spec in zipbuild.FUNCTIONS}
    # Templates that name their code keys literally (qr-upload.yaml) name zips the builder makes.
    assert code_keys
    assert code_keys <= {spec.zip_name for spec in zipbuild.FUNCTIONS}
    with pytest.raises(zipbuild.BuildError, match="unknown function 'nope'"):
        zipbuild.function_spec("nope")


def test_the_real_functions_carry_only_what_they_import() -> None:
    chat, _ = zipbuild.function_sources(zipbuild.REPO, zipbuild.function_spec("chat_usage"))
    assert not [n for n in chat if n.startswith("providers/")]
    assert "functions/chat_usage/usage.py" in chat
    directory, third_party = zipbuild.function_sources(
        zipbuild.REPO, zipbuild.function_spec("agent_directory")
    )
    assert {"providers/connect/sync.py", "providers/connect/directory.py", "providers/core/log.py"} <= set(
        directory
    )
    # The custom-resource engine and its schema validation are not needed by the function.
    assert not {"providers/core/engine.py", "providers/core/schema.py", "providers/handler.py"} & set(
        directory
    )
    assert not [n for n in directory if n.startswith(("schemas/", "functions/chat_usage/"))]
    assert "jsonschema" not in third_party
