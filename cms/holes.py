"""HTML drawn once with marked holes, then filled with each request's own text (decisions 0053 and 0067).

A template drawn with a mark where a value goes is cut at its marks once;
each request then joins the cut text with its own values instead of running
the template again. The results page around its content is drawn so
(`cms.directory.page_around`), and so is each shape of result card
(`cms.directory.card_html`).
"""

import html
import re
import secrets
from collections.abc import Mapping, Sequence

from django.utils.safestring import SafeString, mark_safe


class Holes:
    """Marks for named holes, new and random in each process: no listing, search words or page text holds one."""

    def __init__(self) -> None:
        self.prefix = f"\x00{secrets.token_hex(16)}"
        self.pattern = re.compile(re.escape(self.prefix) + "([a-z_]+)\x00")

    def mark(self, name: str) -> SafeString:
        """The mark for the hole `name` (letters and underscores), safe so a template puts it in as it is."""
        return mark_safe(f"{self.prefix}{name}\x00")

    def cut(self, html: str) -> tuple[str, ...]:
        """The HTML cut at its marks: its text, then by turns a hole's name and the text after that hole."""
        return tuple(self.pattern.split(html))

    @staticmethod
    def escaped(text: str) -> str:
        """The text as a template puts a value in (`conditional_escape`), without its wrappers' cost."""
        return str(text.__html__()) if hasattr(text, "__html__") else html.escape(text)

    @staticmethod
    def fill(parts: Sequence[str], values: Mapping[str, str]) -> str:
        """The cut HTML with each hole's value put in (the values must already be escaped as HTML)."""
        return "".join(values[part] if index % 2 else part for index, part in enumerate(parts))
