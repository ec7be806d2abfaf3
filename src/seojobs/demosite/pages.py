"""Page rendering for generated sites: clean pages by default, planted defects by option."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from html import escape

#: Words the filler text is drawn from (plain, so the word count is predictable).
_VOCABULARY_TEXT = (
    "garden soil seed water light compost spring summer autumn winter tomato basil lettuce "
    "carrot onion potato pepper bean pea root leaf stem flower fruit harvest plant grow prune "
    "mulch shade sun rain frost bed pot trowel spade rake hoe hose bucket glove worm bee "
    "pollen bloom sprout shoot vine tree shrub hedge lawn grass weed pest slug snail aphid "
    "ladybird nettle clover moss fern herb mint thyme sage rosemary parsley chive dill "
    "fennel garlic leek kale cabbage spinach chard radish beet squash pumpkin melon berry "
    "apple pear plum cherry grape fig olive lemon orange path fence gate shed greenhouse "
    "cold frame cloche net stake twine label tray cell module drill row furrow ridge trench "
    "raised border corner patch plot allotment season week month morning evening careful "
    "gentle steady patient simple practical useful reliable sturdy light heavy early late"
)
VOCABULARY: tuple[str, ...] = tuple(_VOCABULARY_TEXT.split())
#: Words of main text a clean page carries (comfortably above the thin-content limit).
CLEAN_WORDS = 260


def filler(seed: str, words: int = CLEAN_WORDS) -> str:
    """Return deterministic paragraphs of about `words` words, unique per seed."""
    rng = random.Random(seed)
    chosen = [rng.choice(VOCABULARY) for _ in range(words)]
    paragraphs = [" ".join(chosen[i : i + 40]) for i in range(0, len(chosen), 40)]
    return "\n".join(f"<p>{p.capitalize()}.</p>" for p in paragraphs)


@dataclass(frozen=True)
class PageSpec:
    """One generated page; the defaults make a clean page."""

    path: str
    title: str
    description: str
    h1: str
    seed: str = ""
    words: int = CLEAN_WORDS
    canonical: str | None = "self"
    lang: bool = True
    viewport: bool = True
    titles: tuple[str, ...] | None = None
    descriptions: tuple[str, ...] | None = None
    h1s: tuple[str, ...] | None = None
    head: str = ""
    #: Markup right after the h1 (above the fold), before the filler text.
    lead: str = ""
    body: str = ""
    #: Whether the head carries og:title and og:image.
    og: bool = True
    nav: tuple[tuple[str, str], ...] = field(default_factory=tuple)


def render(page: PageSpec) -> str:
    """Render a page; `{{origin}}` is left for the server to fill in."""
    titles = page.titles if page.titles is not None else (page.title,)
    descriptions = page.descriptions if page.descriptions is not None else (page.description,)
    h1s = page.h1s if page.h1s is not None else (page.h1,)
    head = ['<meta charset="utf-8">']
    if page.viewport:
        head.append('<meta name="viewport" content="width=device-width, initial-scale=1">')
    head += [f"<title>{escape(t)}</title>" for t in titles]
    head += [f'<meta name="description" content="{escape(d)}">' for d in descriptions]
    if page.canonical == "self":
        head.append(f'<link rel="canonical" href="{{{{origin}}}}{page.path}">')
    elif page.canonical is not None:
        head.append(f'<link rel="canonical" href="{page.canonical}">')
    if page.og:
        head.append(f'<meta property="og:title" content="{escape(titles[0] if titles else page.h1)}">')
        head.append('<meta property="og:image" content="{{origin}}/assets/leaf.svg">')
    head.append(page.head)
    nav = " ".join(f'<a href="{href}">{escape(text)}</a>' for href, text in page.nav)
    lang = ' lang="en"' if page.lang else ""
    return "\n".join(
        [
            "<!doctype html>",
            f"<html{lang}>",
            "<head>",
            *[h for h in head if h],
            "</head>",
            "<body>",
            f"<header><nav>{nav}</nav></header>",
            "<main>",
            *[f"<h1>{escape(h)}</h1>" for h in h1s],
            *([page.lead] if page.lead else []),
            filler(page.seed or page.path, page.words),
            page.body,
            "</main>",
            "<footer><p>Acme Garden Supply, 1 Demo Street, Example Town</p></footer>",
            "</body>",
            "</html>",
            "",
        ]
    )
