from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from ..charts import Chart, number_text

register = template.Library()


@register.simple_tag(takes_context=True)
def chart_svg(context, chart: Chart, wide: bool = False) -> str:
    """The chart's SVG inline (the phone or the desktop drawing), its <style> allowed by
    this response's CSP nonce."""
    # The SVG is pygal's output from our own numbers and escaped labels.
    return mark_safe(chart.svg_with_nonce(context.get("csp_nonce"), wide=wide))  # noqa: S308


@register.simple_tag(takes_context=True)
def with_nonce(context, section: str) -> str:
    """A kept chart section (charts.drawn_sections) with this response's CSP nonce on each
    drawing's <style>. Every other "<style " of the section would be escaped text."""
    nonce = context.get("csp_nonce")
    if nonce is None:
        return section
    # The section was drawn by the template engine; the nonce is escaped here.
    return mark_safe(section.replace("<style ", f'<style nonce="{escape(str(nonce))}" '))  # noqa: S308


@register.filter
def chart_number(value) -> str:
    return number_text(value)
