from django import template

from homework.markdown import render

register = template.Library()


@register.filter
def instructions(source: str):
    """Render instructions written in the safe Markdown subset."""
    return render(source)
