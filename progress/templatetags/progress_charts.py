from html import escape as plain_escape  # Django's `escape`'s text, without its wrapper

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


@register.simple_tag
def chart_table_rows(chart: Chart) -> str:
    """The rows of the chart's table (a year is 53 of them), joined here rather than by two
    nested loops of the template, a fifth of a redrawn chart section's time."""
    # Every label and value is escaped here.
    return mark_safe(  # noqa: S308
        "".join(
            f'<tr><th scope="row">{plain_escape(str(label))}</th>'
            + "".join(f'<td class="num">{plain_escape(number_text(v))}</td>' for v in values)
            + "</tr>\n      "
            for label, values in chart.rows
        )
    )
