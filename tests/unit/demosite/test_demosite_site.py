"""The demo server's two sides, and the generated site kept in step with its generator."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from seojobs.demosite.build import build_demo_site
from seojobs.demosite.server import create_app

REPO_SITE = Path(__file__).resolve().parents[3] / "demo" / "site"
HTTP, HTTPS = "http://127.0.0.1:18120", "https://127.0.0.1:18123"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "index.html").write_text('<a href="{{https_origin}}/secure">secure</a> {{origin}}')
    (tmp_path / "secure.html").write_text(
        '<link rel="canonical" href="{{origin}}/secure"><img src="{{http_origin}}/leaf.svg">'
    )
    (tmp_path / "_routes.json").write_text(json.dumps({"/secure": {"https_only": True}}))
    return tmp_path


def _client(site: Path, base_url: str, https_port: int | None = 18123) -> TestClient:
    return TestClient(
        create_app(site, http_port=18120, https_port=https_port), base_url=base_url, follow_redirects=False
    )


def test_the_http_side_names_both_origins_and_redirects_https_only_pages(site: Path) -> None:
    with _client(site, HTTP) as http:
        assert http.get("/").text == f'<a href="{HTTPS}/secure">secure</a> {HTTP}'
        moved = http.get("/secure?x=1")
        assert (moved.status_code, moved.headers["location"]) == (301, f"{HTTPS}/secure?x=1")


def test_the_https_side_serves_its_pages_only(site: Path) -> None:
    with _client(site, HTTPS) as https:
        page = https.get("/secure")
        assert page.status_code == 200
        assert page.text == f'<link rel="canonical" href="{HTTPS}/secure"><img src="{HTTP}/leaf.svg">'
        assert https.get("/").status_code == 404


def test_without_an_https_side_every_page_is_served_on_http(site: Path) -> None:
    with _client(site, HTTP, https_port=None) as http:
        assert http.get("/secure").status_code == 200


def test_the_committed_demo_site_is_what_the_generator_writes(tmp_path: Path) -> None:
    build_demo_site(tmp_path)
    built = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(REPO_SITE) for p in REPO_SITE.rglob("*") if p.is_file())
    assert built == committed, "regenerate with: python -m seojobs.demosite.build"
    for rel in built:
        assert (tmp_path / rel).read_bytes() == (REPO_SITE / rel).read_bytes(), rel


def test_mixed_content_is_planted_on_an_https_page_that_links_only_absolutely(tmp_path: Path) -> None:
    build_demo_site(tmp_path)
    key = json.loads((tmp_path / "answer_key.json").read_text())
    https_findings = [f for f in key["findings"] if f["scheme"] == "https"]
    assert https_findings == [
        {
            "rule": "mixed_content",
            "path": "/rules/mixed-content",
            "scheme": "https",
            "needs_browser": False,
            "modes": ["browser", "http"],
        }
    ]
    assert key["not_planted"] == []
    routes = json.loads((tmp_path / "_routes.json").read_text())
    assert routes["/rules/mixed-content"] == {"https_only": True}
    page = (tmp_path / "rules" / "mixed-content.html").read_text()
    assert '<img src="{{http_origin}}/assets/leaf.svg"' in page
    # A relative link would open a copy of the site on the https side (404s and duplicates).
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs and all(h.startswith(("{{http_origin}}/", "{{origin}}/")) for h in hrefs), hrefs
    hub = (tmp_path / "rules" / "index.html").read_text()
    assert 'href="{{https_origin}}/rules/mixed-content"' in hub
