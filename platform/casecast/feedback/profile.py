"""A participant's judgement profile: the figures, their plain-English reading and a chart.

`feedback.selectors.judgement_profile` computes the figures with the insights engine
(`insights.judgement_profile`, `insights.belief_updating`) from the participant's own
forecasts whose outcomes they may see; this module only words and draws them. The peer
part exists only when the arm also has peer feedback, and is only ever an average over at
least `records.MIN_PEERS` colleagues, so no other individual's answer can be read from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from casecast.feedback.calibration import MIN_FORECASTS

# Fewer forecasts than this on one side of 50% and we say nothing about that side.
MIN_SIDE = 3
# Within this many percentage points the forecasts and what happened "match".
CLOSE_PP = 5


@dataclass(frozen=True)
class Side:
    """The participant's forecasts on one side of 50%: how sure they were, what happened."""

    label: str  # "When you said more likely than not"
    n: int
    said: float | None  # mean forecast, 0-1
    happened: float | None  # event rate, 0-1

    @property
    def enough(self) -> bool:
        return self.n >= MIN_SIDE and self.said is not None and self.happened is not None

    @property
    def said_pct(self) -> int | None:
        return None if self.said is None else round(100 * self.said)

    @property
    def happened_pct(self) -> int | None:
        return None if self.happened is None else round(100 * self.happened)


@dataclass(frozen=True)
class Updates:
    """How the participant moved forecasts asked again at a later part of a case."""

    n: int  # pairs of (earlier, later) forecasts with an outcome they may see
    n_changed: int
    mean_abs_pp: float | None
    share_toward: float | None  # of the changed ones, the share that moved toward the outcome
    brier_before: float | None
    brier_after: float | None


@dataclass(frozen=True)
class Peers:
    """How far the participant's forecasts sit from colleagues' average on the same cases."""

    n_questions: int  # questions with at least MIN_PEERS colleagues' answers
    gap_pp: float | None  # mean of (own - colleagues' average), percentage points
    abs_gap_pp: float | None


@dataclass(frozen=True)
class Profile:
    n: int
    high: Side
    low: Side
    updates: Updates
    peers: Peers | None  # None when the arm has no peer feedback

    @property
    def enough(self) -> bool:
        return self.n >= MIN_FORECASTS

    @property
    def sentences(self) -> list[str]:
        return profile_sentences(self) if self.enough else []

    @property
    def sides(self) -> list[Side]:
        return [self.high, self.low]

    @property
    def svg(self) -> str:
        return profile_svg(self.sides) if self.enough else ""


# --- the reading -------------------------------------------------------------------------


def confidence_sentence(profile: Profile) -> str:
    """Over- or under-confidence, from both sides of 50%, in one sentence."""
    high, low = profile.high, profile.low
    if not (high.enough or low.enough):
        return (
            "We cannot yet say whether you tend to be too sure or not sure enough: too few of "
            "your forecasts were clearly above or below 50%."
        )
    # Over-confident: high forecasts too high and/or low forecasts too low.
    lean = 0
    for side, sign in ((high, 1), (low, -1)):
        if side.enough:
            gap = side.said_pct - side.happened_pct  # type: ignore[operator]
            lean += sign * (1 if gap > CLOSE_PP else -1 if gap < -CLOSE_PP else 0)
    details = " ".join(_side_detail(side) for side in (high, low) if side.enough)
    if lean > 0:
        verdict = (
            "You tend to be too sure: your forecasts are further from 50% than events bear out."
        )
    elif lean < 0:
        verdict = "You tend to be not sure enough: events were more clear-cut than your forecasts."
    else:
        verdict = "Your confidence about matches how often things happened."
    return f"{verdict} {details}"


def _side_detail(side: Side) -> str:
    return (
        f"{side.label} (on {side.n} forecasts) you said {side.said_pct}% on average, and it "
        f"happened {side.happened_pct}% of the time."
    )


def updates_sentence(updates: Updates) -> str:
    if updates.n == 0:
        return (
            "None of your cases have asked the same question again at a later part with an "
            "outcome you can see yet, so we cannot say how you update."
        )
    if updates.n_changed == 0:
        return (
            f"When a case asked the same question again later ({updates.n} times), you kept "
            "your forecast the same every time."
        )
    assert updates.mean_abs_pp is not None and updates.share_toward is not None
    toward = round(100 * updates.share_toward)
    sentence = (
        f"When a case asked the same question again later, you changed your forecast "
        f"{updates.n_changed} times out of {updates.n}, by {updates.mean_abs_pp:.0f} "
        f"percentage points on average (counting unchanged ones as 0). {toward}% of your "
        "changes moved toward what happened."
    )
    if updates.brier_before is not None and updates.brier_after is not None:
        better = updates.brier_after < updates.brier_before
        sentence += (
            f" Your score on those questions went from {updates.brier_before:.2f} to "
            f"{updates.brier_after:.2f} ({'better' if better else 'not better'}; lower is "
            "better)."
        )
    return sentence


def peers_sentence(peers: Peers) -> str:
    if peers.n_questions == 0 or peers.gap_pp is None or peers.abs_gap_pp is None:
        return (
            "Not enough colleagues have answered the same questions yet to compare your "
            "forecasts with theirs."
        )
    gap = peers.gap_pp
    if gap > 2:
        lean = f"you put risks higher than colleagues, by {gap:.0f} percentage points on average"
    elif gap < -2:
        lean = f"you put risks lower than colleagues, by {-gap:.0f} percentage points on average"
    else:
        lean = "you put risks neither higher nor lower than colleagues on average"
    return (
        f"On {peers.n_questions} questions that colleagues also answered, {lean}. Your "
        f"forecast was {peers.abs_gap_pp:.0f} percentage points from their average on a typical "
        "question. We only ever use the average of several colleagues, never one person's "
        "answer."
    )


def profile_sentences(profile: Profile) -> list[str]:
    sentences = [confidence_sentence(profile), updates_sentence(profile.updates)]
    if profile.peers is not None:
        sentences.append(peers_sentence(profile.peers))
    return sentences


# --- the chart ---------------------------------------------------------------------------

WIDTH, HEIGHT = 400, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 24, 64
FONT_SIZE = 16
SAID, HAPPENED = "#1d70b8", "#505a5f"  # GOV.UK blue and dark grey


def _y(p: float) -> float:
    return round(TOP + (1 - p) * (HEIGHT - TOP - BOTTOM), 1)


def _bars(sides: list[Side]) -> SafeString:
    slot = (WIDTH - LEFT - RIGHT) / len(sides)
    bar = slot / 3
    shapes = []
    for i, side in enumerate(sides):
        x = LEFT + i * slot + bar / 2
        for j, (value, colour) in enumerate(((side.said, SAID), (side.happened, HAPPENED))):
            if value is not None and side.n:
                shapes.append((round(x + j * bar, 1), _y(value), round(bar - 4, 1), colour))
    return format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
        ((x, y, w, round(_y(0) - y, 1), c) for x, y, w, c in shapes),
    )


def _frame(sides: list[Side]) -> SafeString:
    slot = (WIDTH - LEFT - RIGHT) / len(sides)
    ticks = format_html_join(
        "",
        '<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" stroke="#b1b4b6" stroke-width="0.5"/>'
        '<text x="{3}" y="{1}" text-anchor="end" dominant-baseline="middle">{4}%</text>',
        ((LEFT, _y(t / 100), WIDTH - RIGHT, LEFT - 6, t) for t in range(0, 101, 25)),
    )
    names = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle">{}</text>',
        (
            (round(LEFT + (i + 0.5) * slot, 1), HEIGHT - BOTTOM + 22, short)
            for i, short in enumerate(("Above 50%", "Below 50%"))
        ),
    )
    key = format_html(
        '<rect x="{}" y="{}" width="12" height="12" fill="{}"/>'
        '<text x="{}" y="{}" dominant-baseline="middle">You said</text>'
        '<rect x="{}" y="{}" width="12" height="12" fill="{}"/>'
        '<text x="{}" y="{}" dominant-baseline="middle">It happened</text>',
        LEFT,
        HEIGHT - 24,
        SAID,
        LEFT + 18,
        HEIGHT - 18,
        LEFT + 130,
        HEIGHT - 24,
        HAPPENED,
        LEFT + 148,
        HEIGHT - 18,
    )
    return format_html("{}{}{}", ticks, names, key)


def profile_svg(sides: list[Side]) -> str:
    """Bars of what the participant said on average and how often it happened, for their
    forecasts above and below 50%. Decorative for screen readers: the page shows the same
    numbers in a table."""
    return mark_safe(
        format_html(
            '<svg class="cc-chart" viewBox="0 0 {0} {1}" width="{0}" height="{1}" role="img" '
            'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg" '
            'font-family="arial, sans-serif" font-size="{2}">'
            "<title>How sure you were and how often it happened</title>{3}{4}</svg>",
            WIDTH,
            HEIGHT,
            FONT_SIZE,
            _frame(sides),
            _bars(sides),
        )
    )
