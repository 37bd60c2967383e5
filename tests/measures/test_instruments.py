"""Scoring against the published bands, for every possible total of each measure."""

import pytest

from measures.instruments import GAD7, INSTRUMENTS, PHQ9, WHO5, Change, answer_errors


def answers_totalling(instrument, total: int) -> list[int]:
    """A valid set of answers adding up to `total` (greedy, highest answers first)."""
    answers = []
    left = total
    for _ in instrument.items:
        answers.append(min(left, instrument.item_max))
        left -= answers[-1]
    assert left == 0
    return answers


def phq9_band(total: int) -> str:  # Kroenke, Spitzer & Williams 2001
    if total <= 4:
        return "minimal"
    if total <= 9:
        return "mild"
    if total <= 14:
        return "moderate"
    if total <= 19:
        return "moderately_severe"
    return "severe"


def gad7_band(total: int) -> str:  # Spitzer et al. 2006
    if total <= 4:
        return "minimal"
    if total <= 9:
        return "mild"
    if total <= 14:
        return "moderate"
    return "severe"


def who5_band(percent: int) -> str:  # WHO 1998; Topp et al. 2015
    if percent <= 28:
        return "likely_depression"
    if percent <= 50:
        return "poor"
    return "good"


@pytest.mark.parametrize("total", range(28))
def test_every_phq9_total_scores_in_its_published_band(total):
    scored = PHQ9.score(answers_totalling(PHQ9, total))
    assert (scored.raw, scored.score, scored.band.key) == (total, total, phq9_band(total))


@pytest.mark.parametrize("total", range(22))
def test_every_gad7_total_scores_in_its_published_band(total):
    scored = GAD7.score(answers_totalling(GAD7, total))
    assert (scored.raw, scored.score, scored.band.key) == (total, total, gad7_band(total))


@pytest.mark.parametrize("raw", range(26))
def test_every_who5_raw_total_is_times_four_in_its_published_band(raw):
    scored = WHO5.score(answers_totalling(WHO5, raw))
    assert (scored.raw, scored.score, scored.band.key) == (raw, raw * 4, who5_band(raw * 4))


def test_the_totals_above_cannot_be_reached():
    assert (PHQ9.raw_max, GAD7.raw_max, WHO5.raw_max, WHO5.score_max) == (27, 21, 25, 100)


@pytest.mark.parametrize("instrument", INSTRUMENTS.values(), ids=lambda i: i.key)
def test_bands_cover_every_score_once_and_expose_their_boundaries(instrument):
    covered = [s for band in instrument.bands for s in range(band.low, band.high + 1)]
    assert covered == list(range(instrument.score_max + 1))
    assert instrument.boundaries() == [band.low for band in instrument.bands[1:]]


def test_boundaries_for_charts():
    assert PHQ9.boundaries() == [5, 10, 15, 20]
    assert GAD7.boundaries() == [5, 10, 15]
    assert WHO5.boundaries() == [29, 51]


def test_the_standard_wording_and_answer_scales():
    assert len(PHQ9.items) == 9 and len(GAD7.items) == 7 and len(WHO5.items) == 5
    assert PHQ9.stem.startswith("Over the last 2 weeks, how often have you been bothered by")
    assert GAD7.stem.startswith("Over the last 2 weeks, how often have you been bothered by")
    assert (
        PHQ9.options
        == GAD7.options
        == (
            (0, "Not at all"),
            (1, "Several days"),
            (2, "More than half the days"),
            (3, "Nearly every day"),
        )
    )
    assert WHO5.options[0] == (5, "All of the time") and WHO5.options[-1] == (0, "At no time")
    assert PHQ9.items[8].startswith("Thoughts that you would be better off dead")


@pytest.mark.parametrize(
    ("instrument", "baseline", "score", "expected"),
    [
        # PHQ-9: lower is better, reliable at 6 points.
        (PHQ9, 15, 10, Change.NONE),  # 5 down
        (PHQ9, 15, 9, Change.IMPROVED),  # 6 down
        (PHQ9, 10, 15, Change.NONE),  # 5 up
        (PHQ9, 10, 16, Change.DETERIORATED),  # 6 up
        # GAD-7: lower is better, reliable at 4 points.
        (GAD7, 12, 9, Change.NONE),
        (GAD7, 12, 8, Change.IMPROVED),
        (GAD7, 8, 11, Change.NONE),
        (GAD7, 8, 12, Change.DETERIORATED),
        # WHO-5: HIGHER is better, reliable at 10 points of 0-100 (steps of 4: 8 vs 12).
        (WHO5, 40, 48, Change.NONE),
        (WHO5, 40, 52, Change.IMPROVED),
        (WHO5, 40, 32, Change.NONE),
        (WHO5, 40, 28, Change.DETERIORATED),
        (PHQ9, None, 12, Change.BASELINE),
    ],
)
def test_reliable_change_at_the_thresholds(instrument, baseline, score, expected):
    assert instrument.change(baseline, score) == expected


def test_who5_at_exactly_ten_points_is_reliable():
    # WHO-5 scores move in 4s, so 10 cannot be hit exactly; the rule is "at least".
    assert WHO5.change(50, 60) == Change.IMPROVED
    assert WHO5.change(50, 59) == Change.NONE


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ([0] * 8, "PHQ-9 has 9 questions; 8 answers were given."),
        ([0] * 10, "PHQ-9 has 9 questions; 10 answers were given."),
        ([0] * 8 + [None], "Question 9 (“Thoughts that you would be better off dead"),
        ([0] * 8 + [4], "Question 9 (“Thoughts that you would be better off dead"),
        ([-1] + [0] * 8, "Question 1 (“Little interest"),
        (["2"] + [0] * 8, "Question 1"),
        ([True] + [0] * 8, "Question 1"),
        ("000000000", "Give the answers as a list of 9 numbers."),
    ],
)
def test_bad_answers_are_named(answers, message):
    errors = answer_errors(PHQ9, answers)
    assert len(errors) == 1
    assert errors[0].startswith(message)


def test_scoring_refuses_bad_answers():
    with pytest.raises(ValueError):
        PHQ9.score([0] * 8 + [9])
