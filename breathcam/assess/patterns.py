"""The five dysfunctional breathing patterns physiotherapists name, flagged from measurements.

Boulding R, Stacey R, Niven R, Fowler SJ. Dysfunctional breathing: a review of the literature and
proposal for classification. Eur Respir Rev 2016;25:287-294.  Each pattern gets a
:class:`PatternFlag`: ``flagged`` True / False, or None ("cannot tell") with the reason; the value
measured and the threshold it was compared with (``[assess]`` in breathcam.config).

- hyperventilation: the rest rate above ``hyperventilation_rate_bpm`` (a camera sees no volume:
  "deep for too long" is not told, only "fast");
- periodic deep sighing: sighs per minute at rest at or above ``sighs_per_min``;
- thoracic dominant: the belly's median share of the motion below ``thoracic_max_belly_share``;
- forced abdominal expiration: always "cannot tell": an active, forced exhale shows as the belly
  drawn in below its resting level, which needs a calibrated side view breathcam does not measure;
- thoraco-abdominal asynchrony: the belly's median lag behind the chest beyond
  ``asynchrony_phase_deg`` (or the session read as paradoxical).

A pattern is told from at least ``min_breaths`` breaths; the chest/belly ones need a chest/belly
reading at least ``min_pattern_confidence`` confident.  A flag is an observation for the
physiotherapist, not a diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass

from breathcam.assess.observe import Observation
from breathcam.config import DEFAULT, AssessConfig

__all__ = ["PATTERNS", "PatternFlag", "flag_patterns"]

PATTERNS: tuple[str, ...] = ("hyperventilation", "periodic_deep_sighing", "thoracic_dominant",
                             "forced_abdominal_expiration", "thoraco_abdominal_asynchrony")


@dataclass(frozen=True)
class PatternFlag:
    name: str  # one of PATTERNS
    flagged: bool | None  # None: cannot tell
    value: float | None  # what was measured
    threshold: float | None  # what it was compared with
    unit: str  # "/min", "share", "deg" or ""
    reason: str = ""  # why it cannot be told (a key of breathcam.assess.texts)


def _cannot(name: str, reason: str, unit: str = "", threshold=None, value=None) -> PatternFlag:
    return PatternFlag(name, None, value, threshold, unit, reason)


def flag_patterns(rest: Observation | None, *, paradoxical: bool | None = None,
                  config: AssessConfig = DEFAULT.assess) -> tuple[PatternFlag, ...]:
    """The five patterns from the rest observation (None: the rest step was not measured)."""
    c = config
    if rest is None:
        return tuple(_cannot(n, "no_rest") for n in PATTERNS)
    enough = rest.n_free >= c.min_breaths
    out = []
    # hyperventilation
    if not enough or rest.rate_bpm is None:
        out.append(_cannot("hyperventilation", "few_breaths", "/min", c.hyperventilation_rate_bpm, rest.rate_bpm))
    else:
        out.append(PatternFlag("hyperventilation", rest.rate_bpm > c.hyperventilation_rate_bpm, rest.rate_bpm,
                               c.hyperventilation_rate_bpm, "/min"))
    # periodic deep sighing: sighs are counted over every breath of the window
    if rest.n_breaths < c.min_breaths or rest.sighs_per_min is None:
        out.append(_cannot("periodic_deep_sighing", "few_breaths", "/min", c.sighs_per_min, rest.sighs_per_min))
    else:
        out.append(PatternFlag("periodic_deep_sighing", rest.sighs_per_min >= c.sighs_per_min, rest.sighs_per_min,
                               c.sighs_per_min, "/min"))
    trusted = enough and rest.pattern_confidence >= c.min_pattern_confidence
    # thoracic dominant
    if not trusted or rest.belly_share is None:
        out.append(_cannot("thoracic_dominant", "few_breaths" if not enough else "no_chest_belly", "share",
                           c.thoracic_max_belly_share, rest.belly_share))
    else:
        out.append(PatternFlag("thoracic_dominant", rest.belly_share < c.thoracic_max_belly_share, rest.belly_share,
                               c.thoracic_max_belly_share, "share"))
    out.append(_cannot("forced_abdominal_expiration", "not_visible"))
    # thoraco-abdominal asynchrony
    if not trusted or (rest.phase_deg is None and paradoxical is None):
        out.append(_cannot("thoraco_abdominal_asynchrony", "few_breaths" if not enough else "no_phase", "deg",
                           c.asynchrony_phase_deg, rest.phase_deg))
    else:
        lag = None if rest.phase_deg is None else abs(rest.phase_deg)
        flagged = bool(paradoxical) or (lag is not None and lag > c.asynchrony_phase_deg)
        out.append(PatternFlag("thoraco_abdominal_asynchrony", flagged, lag, c.asynchrony_phase_deg, "deg"))
    return tuple(out)
