"""Server-drawn bar charts: the accessible name states every value; bar lengths follow the values."""

from django.template.loader import render_to_string

from marketplace.insights.charts import BAR_ROOM, Bar, BarChart


def chart(*values: int) -> BarChart:
    return BarChart(title="Flags by level", bars=tuple(Bar(label=f"Level {n}", value=v) for n, v in enumerate(values)))


def test_the_summary_names_every_value():
    assert chart(3, 0, 12).summary == "Flags by level, bar chart: Level 0 3, Level 1 0, Level 2 12."
    assert BarChart(title="Nothing", bars=()).summary == "Nothing: no data."


def test_bars_are_as_long_as_their_share_of_the_largest():
    widths = [drawn.width for drawn in chart(5, 0, 10).drawn]
    assert widths == [BAR_ROOM / 2, 0, BAR_ROOM]
    assert [drawn.width for drawn in chart(0, 0).drawn] == [0, 0]  # all zero: no division by zero


def test_long_labels_are_shortened_in_the_drawing_only():
    long = Bar(label="Employment and education support in the community", value=1)
    assert long.short_label.endswith("…")
    assert len(long.short_label) <= 34
    html = render_to_string("insights/includes/bar_chart.html", {"chart": BarChart(title="Services", bars=(long,))})
    assert "Employment and education support in the community</th>" in html.replace("\n", "")


def test_the_template_draws_one_image_with_the_same_numbers_in_a_table():
    html = render_to_string("insights/includes/bar_chart.html", {"chart": chart(2, 7)})
    assert html.count('role="img"') == 1
    assert 'aria-label="Flags by level, bar chart: Level 0 2, Level 1 7."' in html
    assert html.count("<rect") == 2
    assert '<td class="insights-number">7</td>' in html
    assert '<td class="insights-number">9</td>' in html  # the total
