"""Render and send one e-mail. At the bottom of the imports: knows no domain model."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def send_templated_email(
    *,
    to: str,
    template: str,
    context: dict,
    headers: dict[str, str] | None = None,
) -> None:
    """Send `emails/<template>_subject.txt`, `.txt` and `.html`, rendered with `context`."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()), body=text, to=[to], headers=headers or {}
    )
    message.attach_alternative(html, "text/html")
    message.send()
