"""Every text a person reads is a Jinja2 template under `sms_templates/<language>/` (zh-CN and en).

Undefined variables are errors (StrictUndefined): a template that names a variable the code does not give
fails loudly in tests instead of sending a text with a hole in it.
"""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from . import formatting
from .config import ROOT

TEMPLATE_ROOT = ROOT / "sms_templates"
LANGUAGES = ("zh-CN", "en")


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_ROOT)),
        undefined=StrictUndefined,
        autoescape=False,  # plain text, never HTML  # noqa: S701
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        # The templates ship with the code and a deploy restarts the processes: no stat() of the file on
        # every render (the notice sender renders thousands a second).
        auto_reload=False,
    )
    formatting.install_filters(env)
    return env


def render(language: str, name: str, /, **variables) -> str:
    """Render `sms_templates/<language>/<name>.j2`, e.g. render("zh-CN", "notices/V01", ...)."""
    if language not in LANGUAGES:
        language = "zh-CN"
    template = environment().get_template(f"{language}/{name}.j2")
    return template.render(language=language, **variables).strip()


def addressed(language: str, name: str | None, text: str) -> str:
    """`text` with whose record it is about in front (`林*伟：…` / `For 林*伟: …`), for a number that
    several people share; `name` is already masked. Without a name the text is left as it is."""
    if not name:
        return text
    return render(language, "addressee", name=name, text=text)
