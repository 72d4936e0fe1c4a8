"""Bad parameters get a 400 with a JSON error naming the parameter."""

import pytest

from faceapi.models import FaceRender

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("", "value"),
        ("value=", "value"),
        ("value=" + "x" * 1001, "value"),
        ("value=a&value=b", "value"),
        ("value=a&dim=9", "dim"),
        ("value=a&dim=1025", "dim"),
        ("value=a&dim=3.5", "dim"),
        ("value=a&dim=-20", "dim"),
        ("value=a&format=gif", "format"),
        ("value=a&size=300", "size"),
        ("value=a&value0=b", "value"),
        ("value0=a&value2=b", "value2"),
        ("value0=a&amount1=1", "value1"),
        ("value0=a&amount0=2.5", "amount0"),
        ("value0=a&amount0=nan", "amount0"),
        ("value0=a&amount0=abc", "amount0"),
        ("value0=a&amount0=0&value1=b&amount1=0", "amount0"),
        ("&".join(f"value{i}=v{i}" for i in range(17)), "value16"),
    ],
)
def test_face_names_the_bad_parameter(client, query, parameter):
    response = client.get(f"/api/face?{query}")

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["parameter"] == parameter and body["error"]
    assert not FaceRender.objects.exists()


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("to=b", "from"),
        ("from=a", "to"),
        ("from=a&to=b&frames=2", "frames"),
        ("from=a&to=b&frames=201", "frames"),
        ("from=a&to=b&fps=0", "fps"),
        ("from=a&to=b&fps=101", "fps"),
        ("from=a&to=b&dim=5", "dim"),
        ("from=a&to=b&dim=301", "dim"),  # odd sizes cannot be H.264
        ("from=a&to=b&format=png", "format"),
        ("from=a&to=b&frame=3&frames=3", "frame"),
        ("from=a&to=b&frame=1&format=mp4", "format"),
        ("from=a&to=b&speed=2", "speed"),
    ],
)
def test_morph_names_the_bad_parameter(client, query, parameter):
    response = client.get(f"/api/morph?{query}")

    assert response.status_code == 400, response.content
    assert response.json()["parameter"] == parameter


@pytest.mark.parametrize("query, parameter", [("", "value"), ("value=a&x=1", "x")])
def test_seed_names_the_bad_parameter(client, query, parameter):
    response = client.get(f"/api/seed?{query}")

    assert response.status_code == 400 and response.json()["parameter"] == parameter


def test_only_get_is_allowed(client):
    assert client.post("/api/face?value=a").status_code == 405


@pytest.mark.parametrize("query", ["value=a&dim=", "value=a&format=", "value0=a&amount0=&value1=b"])
def test_an_empty_parameter_is_refused_not_taken_for_the_default(client, query):
    response = client.get(f"/api/face?{query}")

    assert response.status_code == 400
    name = query.split("&")[1].split("=")[0] if "amount0" not in query else "amount0"
    assert response.json()["parameter"] == name and "is empty" in response.json()["error"]
