"""Render and send one e-mail. At the bottom of the imports: knows no domain model."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string


def render_text(template_name: str, context: dict) -> str:
    """Render a plain-text template without HTML escaping ("Smith & Jones", not "&amp;")."""
    template = get_template(template_name).template
    return template.render(Context(context, autoescape=False))


def send_templated_email(
    *,
    to: str,
    template: str,
    context: dict,
    headers: dict[str, str] | None = None,
) -> None:
    """Send `emails/<template>_subject.txt`, `.txt` and `.html`, rendered with `context`."""
    context = {"site_url": settings.SITE_URL, **context}
    # Subject and text part are plain text; only the HTML part is escaped.
    subject = render_text(f"emails/{template}_subject.txt", context).strip()
    text = render_text(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()), body=text, to=[to], headers=headers or {}
    )
    message.attach_alternative(html, "text/html")
    message.send()
