"""The OpenAPI description is valid (openapi-spec-validator), declares a schema for every response, the real
error shape, and every download's media type; the real answers match it."""
from importlib.metadata import version

import pytest
from openapi_spec_validator import validate

from policy_atlas.web import models


@pytest.fixture(scope="module")
def spec(client):
    return client.get("/api/openapi.json").json()


def operations(spec):
    return [(path, method, op) for path, ops in spec["paths"].items() for method, op in ops.items()]


def test_the_description_is_valid_openapi(spec):
    validate(spec)
    assert spec["info"]["version"] == version("policy-atlas")


def test_every_response_has_a_schema(spec):
    for path, method, op in operations(spec):
        assert op["responses"], path
        for status, response in op["responses"].items():
            content = response.get("content")
            assert content, f"{method} {path} {status}: no content declared"
            for media, body in content.items():
                assert body.get("schema"), f"{method} {path} {status} {media}: empty schema"
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_errors_are_declared_as_they_are_sent(spec, client):
    problem = spec["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"error", "status", "problems"}
    for path, method, op in operations(spec):
        for status in ("404", "422"):
            if status in op["responses"]:
                ref = op["responses"][status]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/Problem")
    assert "404" in spec["paths"]["/api/entity/{eid}"]["get"]["responses"]
    sent = client.get("/api/entity/gov/nowhere")
    assert sent.status_code == 404
    assert models.Problem.model_validate(sent.json()).problems == ["unknown entity 'gov/nowhere'"]
    bad = client.get("/api/map", params={"year": 1800, "view": "heat"})
    assert bad.status_code == 422 and len(models.Problem.model_validate(bad.json()).problems) == 2


@pytest.mark.parametrize("path, media", [
    ("/api/map", {"application/json", "image/svg+xml", "image/png", "application/geo+json", "text/csv"}),
    ("/api/network", {"application/json", "application/graphml+xml", "image/svg+xml", "text/csv"}),
    ("/api/entity/{eid}", {"application/json", "application/ld+json", "text/turtle", "application/n-triples"}),
    ("/api/search", {"application/json", "text/csv", "application/ld+json", "text/turtle", "application/n-triples"}),
    ("/api/datapackage.zip", {"application/zip"}),
    ("/api/statements.csv", {"text/csv"}),
    ("/api/atlas.{fmt}", {"text/turtle", "application/n-triples"}),
])
def test_download_media_types_are_declared(spec, path, media):
    assert set(spec["paths"][path]["get"]["responses"]["200"]["content"]) == media


@pytest.mark.parametrize("path, params, model", [
    ("/api/home", {}, models.Home), ("/api/search", {"q": "livcr"}, models.Search),
    ("/api/entity/subsidy/impuls-2016", {}, models.Entity), ("/api/municipality/62063", {}, models.Profile),
    ("/api/overview", {}, models.Overview), ("/api/map", {}, models.Map), ("/api/map", {"view": "livcr"}, models.Map),
    ("/api/network", {}, models.Network), ("/api/timeline", {}, models.Timeline), ("/api/livcr", {}, models.Livcr),
    ("/api/trainings", {}, models.Trainings), ("/api/sources", {}, models.Sources),
    ("/api/sources/far-2019", {"fn": 67}, models.Source), ("/api", {}, models.ApiIndex),
])
def test_answers_match_their_model(client, path, params, model):
    response = client.get(path, params=params)
    assert response.status_code == 200
    model.model_validate(response.json())


def test_json_schema_refs_name_the_models(spec):
    schema = spec["paths"]["/api/municipality/{name}"]["get"]["responses"]["200"]["content"]["application/json"]
    assert schema["schema"]["$ref"].endswith("/Profile")
