"""Render one e-mail. At the bottom of the imports: knows no domain model, only a template
name and a context of plain values (counts, names the reader knows, dates and links)."""

from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context, engines
from django.template.loader import get_template


def render_text(template_name: str, context: dict) -> str:
    """Render a plain-text template without HTML escaping ("Smith & Jones", not "&amp;")."""
    return _render(template_name, context, autoescape=False)


def _render(template_name: str, context: dict, *, autoescape: bool) -> str:
    # Numbers as plain digits: an e-mail carries counts (ints), which read the same either
    # way, and localising each cost a quarter of a message's rendering.
    template = get_template(template_name).template
    return template.render(Context(context, autoescape=autoescape, use_l10n=False))


def render_email(
    *,
    to: str,
    template: str,
    context: dict,
    headers: dict[str, str] | None = None,
    message_class: type[EmailMultiAlternatives] = EmailMultiAlternatives,
) -> EmailMultiAlternatives:
    """`emails/<template>_subject.txt`, `.txt` and `.html`, rendered with `context`."""
    context = {"site_url": settings.SITE_URL, **context}
    # Subject and text part are plain text; only the HTML part is escaped.
    subject = " ".join(render_text(f"emails/{template}_subject.txt", context).split())
    message = message_class(
        subject=subject,
        body=render_text(f"emails/{template}.txt", context),
        to=[to],
        headers=headers or {},
    )
    message.attach_alternative(
        _render(f"emails/{template}.html", context, autoescape=True), "text/html"
    )
    return message


def compile_templates() -> int:
    """Load every e-mail template (`emails/` in the template folders) into the cached loader;
    how many. A worker's parent calls it before it forks, so that no process compiles them
    on its first message."""
    engine = engines["django"].engine
    names = {path.name for folder in engine.dirs for path in (Path(folder) / "emails").glob("*")}
    for name in sorted(names):
        engine.get_template(f"emails/{name}")
    return len(names)
