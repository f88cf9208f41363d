"""deploy/kpack/ against kpack's own OpenAPI schema (api/openapi-spec/swagger.json of the kpack
module pinned in settings.env, from the Go module proxy), validated strictly: an unknown field
fails, as `kubectl apply --validate=strict` makes it fail."""
import copy
import json
import os
import subprocess
import sys

import jsonschema
import pytest

from python_cnb import vendored

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "platform"))
from localplatform import SETTINGS  # noqa: E402

yaml = vendored.load("yaml")
toml = vendored.load("toml")
DEPLOY = os.path.join(ROOT, "deploy", "kpack")


@pytest.fixture(scope="module")
def definitions():
    env = dict(os.environ, GOPATH=SETTINGS["GOPATH"], GOFLAGS=SETTINGS["GOFLAGS"], GOTOOLCHAIN=SETTINGS["GOTOOLCHAIN"])
    module = "github.com/pivotal/kpack@" + SETTINGS["KPACK_VERSION"]
    out = subprocess.run(["go", "mod", "download", "-json", module], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, universal_newlines=True)
    assert out.returncode == 0, out.stdout
    with open(os.path.join(json.loads(out.stdout)["Dir"], "api", "openapi-spec", "swagger.json")) as f:
        return strict(json.load(f)["definitions"])


def strict(definitions):
    """Objects with declared properties take no others (kubectl's strict field validation), and
    `status`, which kpack writes, is not required of what a user applies."""
    defs = copy.deepcopy(definitions)

    def close(schema):
        if isinstance(schema, dict):
            if "properties" in schema and "additionalProperties" not in schema:
                schema["additionalProperties"] = False
            if "status" in schema.get("required", []):
                schema["required"] = [r for r in schema["required"] if r != "status"]
                if not schema["required"]:  # draft 4: required is a non-empty list
                    del schema["required"]
            for value in schema.values():
                close(value)
        elif isinstance(schema, list):
            for value in schema:
                close(value)
    close(defs)
    return defs


def validate(definitions, document):
    kind = "kpack.build.{}.{}".format(document["apiVersion"].split("/")[1], document["kind"])
    assert kind in definitions, kind
    schema = {"definitions": definitions, "$ref": "#/definitions/" + kind}
    return sorted("{}: {}".format("/".join(str(p) for p in e.absolute_path), e.message)
                  for e in jsonschema.Draft4Validator(schema).iter_errors(document))


def documents():
    """Every document of deploy/kpack/, by file."""
    out = {}
    for name in sorted(os.listdir(DEPLOY)):
        if name.endswith(".yaml"):
            with open(os.path.join(DEPLOY, name)) as f:
                out[name] = list(yaml.safe_load_all(f))
    return out


def manifests():
    """The kpack resources, one a file."""
    return {name: docs[0] for name, docs in documents().items() if docs[0]["apiVersion"].startswith("kpack.io/")}


def test_every_manifest_is_valid_for_kpacks_schema(definitions):
    found = manifests()
    assert sorted(d["kind"] for d in found.values()) == ["ClusterBuilder", "ClusterStack", "ClusterStore", "Image"]
    for name, document in found.items():
        assert validate(definitions, document) == [], name


def test_the_accounts_are_the_ones_the_builder_and_image_name():
    accounts = documents()["accounts.yaml"]
    found = manifests()
    builder_account = found["clusterbuilder.yaml"]["spec"]["serviceAccountRef"]
    image = found["image.yaml"]
    assert {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": image["metadata"]["namespace"]}} in accounts
    names = {(d["metadata"].get("namespace"), d["metadata"]["name"]) for d in accounts if d["kind"] == "ServiceAccount"}
    assert names == {(builder_account["namespace"], builder_account["name"]),
                     (image["metadata"]["namespace"], image["spec"]["serviceAccountName"])}


@pytest.mark.parametrize("change, error", [
    (lambda d: d["spec"]["sources"][0].update({"imag": d["spec"]["sources"][0].pop("image")}),
     "spec/sources/0: Additional properties are not allowed ('imag' was unexpected)"),
    (lambda d: d["spec"].update({"sources": "registry.example.com/python-cnb/python:0.1.0"}),
     "spec/sources: 'registry.example.com/python-cnb/python:0.1.0' is not of type 'array'"),
])
def test_a_wrong_field_or_type_fails(definitions, change, error):
    store = manifests()["clusterstore.yaml"]
    change(store)
    assert error in validate(definitions, store)


def test_a_misspelt_image_field_fails(definitions):
    image = manifests()["image.yaml"]
    image["spec"]["builder"]["kindd"] = image["spec"]["builder"].pop("kind")
    assert validate(definitions, image) == ["spec/builder: Additional properties are not allowed ('kindd' was unexpected)"]


def test_the_manifests_name_this_release_and_its_stack():
    with open(os.path.join(ROOT, "buildpack.toml")) as f:
        buildpack = toml.load(f)
    found = manifests()
    assert found["clusterstore.yaml"]["spec"]["sources"][0]["image"].endswith(
        "/python-cnb/python:" + buildpack["buildpack"]["version"])
    assert found["clusterstack.yaml"]["spec"]["id"] == SETTINGS["STACK_ID"]
    assert found["clusterstack.yaml"]["spec"]["id"] in [s["id"] for s in buildpack["stacks"]]
    assert found["clusterbuilder.yaml"]["spec"]["order"] == [{"group": [{"id": buildpack["buildpack"]["id"]}]}]
