"""The individual-education API in the OpenAPI document (API.md: paths are a contract)."""

from collections import defaultdict

from ninja import Schema

CONTRACT = ["/api/v1/ieps", "/api/v1/ieps/{plan_id}", "/api/v1/ieps/{plan_id}/goals",
            "/api/v1/ieps/{plan_id}/transitions", "/api/v1/ieps/{plan_id}/amendments", "/api/v1/ieps/{plan_id}/reviews",
            "/api/v1/ieps/{plan_id}/versions", "/api/v1/ieps/{plan_id}/versions/{number}", "/api/v1/sessions",
            "/api/v1/sessions/{session_id}/corrections", "/api/v1/sessions/below-minimum",
            "/api/v1/students/{student_id}/weekly-hours", "/api/v1/evaluations"]


def test_openapi_documents_the_iep_endpoints(api_client):
    """API.md: the IEP-1..IEP-8 endpoints are in /api/v1/openapi.json."""
    doc = api_client().get("/api/v1/openapi.json").json()
    assert set(CONTRACT) <= set(doc["paths"])


def test_schema_names_are_unique_so_openapi_components_do_not_collide():
    """Two schemas of one name become one OpenAPI component: the IEP schemas have names of their own."""
    import suiban.api  # noqa: F401  (mounts every router)

    modules = defaultdict(set)

    def walk(cls):
        for sub in cls.__subclasses__():
            modules[sub.__name__].add(sub.__module__)
            walk(sub)

    walk(Schema)
    clashes = {name: mods for name, mods in modules.items() if len(mods) > 1 and any(".iep." in m for m in mods)}
    assert clashes == {}
