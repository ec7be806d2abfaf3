"""The building blocks of the demo site: its navigation, clean pages and planted findings."""

from __future__ import annotations

from dataclasses import dataclass, replace

from seojobs.demosite.pages import PageSpec

NAV: tuple[tuple[str, str], ...] = (
    ("/", "Home"),
    ("/about", "About us"),
    ("/contact", "Contact"),
    ("/blog/", "Blog"),
    ("/products", "Products"),
    ("/rules/", "Rule examples"),
)
#: The navigation of pages served on the https side: absolute links back to the http side.
HTTP_NAV: tuple[tuple[str, str], ...] = tuple(("{{http_origin}}" + href, text) for href, text in NAV)


@dataclass(frozen=True)
class Planted:
    """A page and the findings (rule, path) it must produce."""

    page: PageSpec
    rules: tuple[str, ...] = ()
    #: Served on the https side only (the http side redirects there).
    https: bool = False
    #: Findings only a browser crawl reports (they are in the browser mode's answer key only).
    browser_rules: tuple[str, ...] = ()

    @property
    def href(self) -> str:
        """How other pages link to this one."""
        return ("{{https_origin}}" if self.https else "") + self.page.path


def clean(path: str, name: str, **changes: object) -> PageSpec:
    """Return a clean page named name at path, with changes applied."""
    page = PageSpec(
        path=path,
        title=f"{name} - Acme Garden Supply demo",
        description=f"{name}: a page of the Acme Garden Supply demo shop with practical "
        "advice, sturdy tools and tips for every season.",
        h1=f"{name} at Acme Garden Supply",
        nav=NAV,
    )
    return replace(page, **changes)  # type: ignore[arg-type]
