"""The standard questionnaires: PHQ-9, GAD-7 and WHO-5, with their published wording,
answer scales, scoring, bands and reliable-change thresholds. Pure data and arithmetic.

Reliable change is measured against the client's FIRST result on that measure within the
care relationship (their baseline), as the reliable change index is defined (pre vs.
post, Jacobson & Truax 1991) and as outcome monitoring in talking therapies reports it.
"""

from dataclasses import dataclass
from enum import StrEnum


class Change(StrEnum):
    BASELINE = "baseline"  # the first result: what later ones are compared with
    IMPROVED = "improved"
    DETERIORATED = "deteriorated"
    NONE = "none"  # no reliable change


CHANGE_LABELS = {
    Change.BASELINE: "First result (baseline)",
    Change.IMPROVED: "Reliable improvement",
    Change.DETERIORATED: "Reliable deterioration",
    Change.NONE: "No reliable change",
}


@dataclass(frozen=True)
class Band:
    key: str
    label: str
    low: int  # inclusive, on the reported score
    high: int  # inclusive
    meaning: str  # for the client, in plain words
    plain: str = ""  # the band's name for the client, when the published one would alarm

    @property
    def client_label(self) -> str:
        return self.plain or self.label


@dataclass(frozen=True)
class Score:
    raw: int
    score: int
    band: Band


@dataclass(frozen=True)
class Instrument:
    key: str
    name: str
    title: str
    stem: str
    items: tuple[str, ...]
    options: tuple[tuple[int, str], ...]  # (value, label), in the order shown
    bands: tuple[Band, ...]  # lowest score first
    multiplier: int  # reported score = raw total * multiplier
    higher_is_better: bool
    reliable_change: int  # on the reported score

    @property
    def item_max(self) -> int:
        return max(value for value, _ in self.options)

    @property
    def raw_max(self) -> int:
        return self.item_max * len(self.items)

    @property
    def score_max(self) -> int:
        return self.raw_max * self.multiplier

    def band_for(self, score: int) -> Band:
        for band in self.bands:
            if band.low <= score <= band.high:
                return band
        raise ValueError(f"{self.name} score {score} is out of range")

    def band(self, key: str) -> Band:
        return next(band for band in self.bands if band.key == key)

    def score(self, answers: list[int]) -> Score:
        """Score complete, in-range answers (check them with `answer_errors` first)."""
        if answer_errors(self, answers):
            raise ValueError(f"{self.name} answers are incomplete or out of range")
        raw = sum(answers)
        score = raw * self.multiplier
        return Score(raw=raw, score=score, band=self.band_for(score))

    def boundaries(self) -> list[int]:
        """Where one band ends and the next begins (the lower score of each band but the
        first), for a chart to draw as lines."""
        return [band.low for band in self.bands[1:]]

    def change(self, baseline: int | None, score: int) -> Change:
        """The reliable-change mark of `score` against the baseline (None: this is it)."""
        if baseline is None:
            return Change.BASELINE
        delta = score - baseline
        if abs(delta) < self.reliable_change:
            return Change.NONE
        better = delta > 0 if self.higher_is_better else delta < 0
        return Change.IMPROVED if better else Change.DETERIORATED


def answer_errors(instrument: Instrument, answers) -> list[str]:
    """What is wrong with a list of answers, one plain message per problem ([] if fine)."""
    if not isinstance(answers, list | tuple):
        return [f"Give the answers as a list of {len(instrument.items)} numbers."]
    if len(answers) != len(instrument.items):
        return [
            f"{instrument.name} has {len(instrument.items)} questions; "
            f"{len(answers)} answers were given."
        ]
    allowed = {value for value, _ in instrument.options}
    errors = []
    for number, (answer, item) in enumerate(zip(answers, instrument.items, strict=True), 1):
        if answer is None:
            errors.append(f"Question {number} (“{item}”) is not answered.")
        elif isinstance(answer, bool) or not isinstance(answer, int) or answer not in allowed:
            errors.append(
                f"Question {number} (“{item}”): the answer must be a whole number from "
                f"{min(allowed)} to {max(allowed)}."
            )
    return errors


FREQUENCY = (
    (0, "Not at all"),
    (1, "Several days"),
    (2, "More than half the days"),
    (3, "Nearly every day"),
)

PHQ9 = Instrument(
    key="phq9",
    name="PHQ-9",
    title="Patient Health Questionnaire (PHQ-9)",
    stem=(
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    ),
    items=(
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself — or that you are a failure or have let yourself or "
        "your family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — "
        "being so fidgety or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ),
    options=FREQUENCY,
    bands=(
        Band("minimal", "Minimal", 0, 4, "Your answers suggest few or no signs of low mood."),
        Band("mild", "Mild", 5, 9, "Your answers suggest some mild signs of low mood."),
        Band(
            "moderate",
            "Moderate",
            10,
            14,
            "Your answers suggest a moderate level of low mood. It is worth talking about.",
        ),
        Band(
            "moderately_severe",
            "Moderately severe",
            15,
            19,
            "Your answers suggest low mood is weighing on you quite a lot right now.",
        ),
        Band(
            "severe",
            "Severe",
            20,
            27,
            "Your answers suggest low mood is weighing on you heavily right now.",
        ),
    ),
    multiplier=1,
    higher_is_better=False,
    reliable_change=6,
)
PHQ9_SELF_HARM_ITEM = 8  # question 9, counted from 0

GAD7 = Instrument(
    key="gad7",
    name="GAD-7",
    title="Generalised Anxiety Disorder scale (GAD-7)",
    stem="Over the last 2 weeks, how often have you been bothered by the following problems?",
    items=(
        "Feeling nervous, anxious, or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid, as if something awful might happen",
    ),
    options=FREQUENCY,
    bands=(
        Band("minimal", "Minimal", 0, 4, "Your answers suggest few or no signs of anxiety."),
        Band("mild", "Mild", 5, 9, "Your answers suggest some mild signs of anxiety."),
        Band(
            "moderate",
            "Moderate",
            10,
            14,
            "Your answers suggest a moderate level of anxiety. It is worth talking about.",
        ),
        Band(
            "severe",
            "Severe",
            15,
            21,
            "Your answers suggest anxiety is weighing on you heavily right now.",
        ),
    ),
    multiplier=1,
    higher_is_better=False,
    reliable_change=4,
)

WHO5 = Instrument(
    key="who5",
    name="WHO-5",
    title="WHO-5 Well-Being Index",
    stem="Over the last two weeks, how much of the time…",
    items=(
        "I have felt cheerful and in good spirits",
        "I have felt calm and relaxed",
        "I have felt active and vigorous",
        "I woke up feeling fresh and rested",
        "My daily life has been filled with things that interest me",
    ),
    options=(
        (5, "All of the time"),
        (4, "Most of the time"),
        (3, "More than half of the time"),
        (2, "Less than half of the time"),
        (1, "Some of the time"),
        (0, "At no time"),
    ),
    bands=(
        Band(
            "likely_depression",
            "Likely depression",
            0,
            28,
            "Your answers suggest your well-being is very low right now. It is worth talking "
            "about with your therapist.",
            "Very low well-being",
        ),
        Band(
            "poor",
            "Poor well-being",
            29,
            50,
            "Your answers suggest your well-being is lower than it could be right now.",
            "Low well-being",
        ),
        Band("good", "Good well-being", 51, 100, "Your answers suggest good well-being."),
    ),
    multiplier=4,
    higher_is_better=True,
    reliable_change=10,
)

INSTRUMENTS: dict[str, Instrument] = {i.key: i for i in (PHQ9, GAD7, WHO5)}
ALL_BAND_KEYS = sorted({band.key for i in INSTRUMENTS.values() for band in i.bands})


def get(key: str) -> Instrument:
    return INSTRUMENTS[key]
