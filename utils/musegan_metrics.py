"""The MuseGAN paper's statistics of multi-track music, on pitch rolls (NumPy only).

Dong, Hsiao, Yang and Yang, "MuseGAN: Multi-track Sequential Generative Adversarial
Networks for Symbolic Music Generation and Accompaniment", AAAI 2018, judge generated
music by comparing simple statistics with those of real music (closer to the real values
is better; none of them is a quality score on its own):

- **EB**, empty bars: the fraction of bars in which a track plays no note;
- **UPC**, used pitch classes: how many of the 12 pitch classes (C, C#, ..., B) a track
  uses in a bar;
- **QN**, qualified notes: the fraction of notes that are long enough to count as music
  rather than noise. The paper works at 96 steps per bar and calls a note "qualified" when
  it lasts at least 3 steps (a 32nd note). At the JSB chorales' 16 steps per bar every note
  lasts at least a 16th, so that rule would always give 100%; here the threshold is a
  parameter, ``min_steps`` (the course uses 2 steps = an eighth note: QN then says how many
  notes are not 16th-note flickers);
- **TD**, tonal distance (Harte, Sandler and Gasser, "Detecting harmonic change in musical
  audio", ACM MM workshop 2006) between two tracks: each track's pitch classes in a beat are
  mapped to a point in a 6-D space (the *tonal centroid*: three circles, of fifths, minor
  thirds and major thirds) and TD is the distance between the two tracks' points. Small TD:
  the two tracks play harmonically close notes.

The course's music is a *pitch roll*: an array ``(T, V)`` of MIDI pitches, one column per
voice (track) and one row per time step, ``NaN`` (or any negative number) for a rest; a
batch of windows is ``(n, T, V)``. Equal consecutive pitches in a voice form one held
note, as in ``utils.music.roll_to_score`` (the JSB chorales have no repeated-note
articulation). ``T`` must be a whole number of bars.

The module's code uses only NumPy (no Keras, no backend): it runs on any array of pitches.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

__all__ = ["as_pitch_rolls", "notes", "empty_bar_rate", "used_pitch_classes",
           "qualified_note_rate", "TONAL_MATRIX", "tonal_centroid", "tonal_distance",
           "tonal_distances", "musegan_statistics"]


# -- input ---------------------------------------------------------------------------------
def as_pitch_rolls(rolls, steps_per_bar: int | None = None) -> np.ndarray:
    """Check a pitch roll (T, V) or a batch (n, T, V) and return it as float (n, T, V), rests NaN.

    Raises ``ValueError`` with one clear message for a wrong shape, a length that is not a
    whole number of bars, or pitches outside MIDI's 0..127.
    """
    array = np.asarray(rolls, dtype=np.float64)
    if array.ndim == 2:
        array = array[None]
    if array.ndim != 3:
        raise ValueError("a pitch roll must be (time steps, voices) or a batch (n, time steps, voices), "
                         f"got an array of shape {np.shape(rolls)}")
    array = np.where(array < 0, np.nan, array)  # negative numbers mean a rest, like NaN
    if steps_per_bar is not None:
        if steps_per_bar < 1 or array.shape[1] % steps_per_bar:
            raise ValueError(f"{array.shape[1]} time steps are not a whole number of bars of "
                             f"{steps_per_bar} steps")
    sounding = array[~np.isnan(array)]
    if sounding.size and (sounding.max() > 127 or np.any(sounding != np.round(sounding))):
        raise ValueError("pitches must be whole MIDI numbers 0..127 (NaN or negative for a rest)")
    return array


def notes(voice) -> list[tuple[int, int, int]]:
    """The notes of one voice (a 1-D pitch sequence) as ``(start, length, pitch)``, in steps.

    Equal consecutive pitches are one held note; NaN (or negative) is a rest.
    """
    voice = np.asarray(voice, dtype=np.float64)
    if voice.ndim != 1:
        raise ValueError(f"notes() takes one voice (a 1-D array), got shape {voice.shape}")
    voice = np.where(voice < 0, np.nan, voice)
    found, start = [], None
    for t in range(len(voice) + 1):
        ends = t == len(voice) or (start is not None and voice[t] != voice[start])  # NaN != anything
        if start is not None and ends:
            found.append((start, t - start, int(voice[start])))
            start = None
        if t < len(voice) and start is None and not np.isnan(voice[t]):
            start = t
    return found


def _bars(rolls: np.ndarray, steps_per_bar: int) -> np.ndarray:
    """(n, T, V) -> (n, bars, steps_per_bar, V)."""
    n, steps, voices = rolls.shape
    return rolls.reshape(n, steps // steps_per_bar, steps_per_bar, voices)


# -- EB, UPC, QN ---------------------------------------------------------------------------
def empty_bar_rate(rolls, steps_per_bar: int = 16) -> np.ndarray:
    """EB per voice: the fraction of bars (over all windows) in which the voice plays no note.

    Returns an array (V,) of numbers in [0, 1] (the paper prints them as percentages).
    """
    bars = _bars(as_pitch_rolls(rolls, steps_per_bar), steps_per_bar)
    empty = np.all(np.isnan(bars), axis=2)           # (n, bars, V)
    return empty.mean(axis=(0, 1))


def used_pitch_classes(rolls, steps_per_bar: int = 16) -> np.ndarray:
    """UPC per voice: the mean number of distinct pitch classes (0..11) a voice uses per bar.

    Averaged over the bars in which the voice plays (an empty bar would count 0 and only
    repeat EB). Returns an array (V,); NaN for a voice that never plays.
    """
    bars = _bars(as_pitch_rolls(rolls, steps_per_bar), steps_per_bar)
    n, n_bars, _, voices = bars.shape
    counts = np.full((n, n_bars, voices), np.nan)
    for i, b, v in np.ndindex(n, n_bars, voices):
        pitches = bars[i, b, :, v]
        pitches = pitches[~np.isnan(pitches)]
        if pitches.size:
            counts[i, b, v] = len(np.unique(pitches.astype(int) % 12))
    with np.errstate(all="ignore"):
        played = np.sum(~np.isnan(counts), axis=(0, 1))
        return np.where(played > 0, np.nansum(counts, axis=(0, 1)) / np.maximum(played, 1), np.nan)


def qualified_note_rate(rolls, min_steps: int = 2) -> np.ndarray:
    """QN per voice: the fraction of a voice's notes that last at least ``min_steps`` steps.

    The paper: at least 3 of 96 steps per bar (a 32nd note). At 16 steps per bar the course
    uses ``min_steps=2`` (an eighth note); ``min_steps=1`` counts every note (always 1.0).
    A note held across a bar line counts once, with its whole length in the window. Returns
    an array (V,); NaN for a voice without notes.
    """
    if min_steps < 1:
        raise ValueError(f"min_steps must be at least 1, got {min_steps}")
    rolls = as_pitch_rolls(rolls)
    voices = rolls.shape[2]
    rates = np.full(voices, np.nan)
    for v in range(voices):
        lengths = [length for window in rolls for _, length, _ in notes(window[:, v])]
        if lengths:
            rates[v] = np.mean(np.asarray(lengths) >= min_steps)
    return rates


# -- TD --------------------------------------------------------------------------------------
def _tonal_matrix(r1: float = 1.0, r2: float = 1.0, r3: float = 0.5) -> np.ndarray:
    """Harte et al.'s 6 x 12 matrix: pitch class l -> (circle of fifths, minor thirds, major thirds).

    Rows: r1 sin/cos(l 7pi/6), r2 sin/cos(l 3pi/2), r3 sin/cos(l 2pi/3), the radii as the paper
    suggests (and MuseGAN uses).
    """
    l = np.arange(12)
    return np.stack([r1 * np.sin(l * 7 * np.pi / 6), r1 * np.cos(l * 7 * np.pi / 6),
                     r2 * np.sin(l * 3 * np.pi / 2), r2 * np.cos(l * 3 * np.pi / 2),
                     r3 * np.sin(l * 2 * np.pi / 3), r3 * np.cos(l * 2 * np.pi / 3)])


TONAL_MATRIX = _tonal_matrix()


def tonal_centroid(chroma) -> np.ndarray:
    """The 6-D tonal centroid of a chroma vector (12 non-negative weights, C first).

    ``TONAL_MATRIX @ chroma / sum(chroma)`` (Harte et al. 2006, eq. 1). Raises ``ValueError``
    for an all-zero chroma (silence has no centroid).
    """
    chroma = np.asarray(chroma, dtype=np.float64)
    if chroma.shape != (12,) or np.any(chroma < 0):
        raise ValueError(f"a chroma vector has 12 non-negative weights, got shape {chroma.shape}")
    total = chroma.sum()
    if total == 0:
        raise ValueError("an all-zero chroma vector (silence) has no tonal centroid")
    return TONAL_MATRIX @ (chroma / total)


def _chroma(pitches) -> np.ndarray:
    """How many steps each pitch class sounds among ``pitches`` (NaN = rest)."""
    pitches = np.asarray(pitches, dtype=np.float64)
    pitches = pitches[~np.isnan(pitches)].astype(int)
    return np.bincount(pitches % 12, minlength=12).astype(np.float64)


def tonal_distance(voice_a, voice_b, steps_per_beat: int = 4) -> float:
    """TD between two voices (1-D pitch sequences of the same length), as in MuseGAN's code:

    for each beat (``steps_per_beat`` steps; a quarter note = 4 sixteenths) the chroma of each
    voice (steps per pitch class), its tonal centroid, and the Euclidean distance between the
    two centroids; TD is the mean over the beats in which *both* voices sound (a beat where
    one is silent has no centroid). NaN if there is no such beat. Two identical voices have
    TD 0; C against the F# a tritone away (opposite on the circles of fifths and of minor
    thirds, the same point on the circle of major thirds) has TD 2*sqrt(2), about 2.83.
    """
    a = np.where(np.asarray(voice_a, dtype=np.float64) < 0, np.nan, np.asarray(voice_a, dtype=np.float64))
    b = np.where(np.asarray(voice_b, dtype=np.float64) < 0, np.nan, np.asarray(voice_b, dtype=np.float64))
    if a.ndim != 1 or a.shape != b.shape:
        raise ValueError(f"tonal_distance takes two 1-D voices of the same length, got {a.shape} and {b.shape}")
    if len(a) % steps_per_beat:
        raise ValueError(f"{len(a)} steps are not a whole number of beats of {steps_per_beat} steps")
    distances = []
    for start in range(0, len(a), steps_per_beat):
        chroma_a, chroma_b = _chroma(a[start:start + steps_per_beat]), _chroma(b[start:start + steps_per_beat])
        if chroma_a.sum() and chroma_b.sum():
            distances.append(np.linalg.norm(tonal_centroid(chroma_a) - tonal_centroid(chroma_b)))
    return float(np.mean(distances)) if distances else float("nan")


def tonal_distances(rolls, names: str | list[str] = "satb", steps_per_beat: int = 4) -> dict[str, float]:
    """TD for every pair of voices, averaged over the windows: ``{"sa": ..., "st": ..., ...}``.

    ``names`` gives each voice a one-letter (or longer) name; the key of a pair joins them
    (the JSB voices soprano, alto, tenor, bass give sa, st, sb, at, ab, tb). Windows in which
    a pair never sounds together are left out of that pair's mean.
    """
    rolls = as_pitch_rolls(rolls)
    names = list(names)
    if len(names) != rolls.shape[2]:
        raise ValueError(f"{len(names)} names for {rolls.shape[2]} voices")
    result = {}
    for i, j in combinations(range(len(names)), 2):
        values = [tonal_distance(window[:, i], window[:, j], steps_per_beat) for window in rolls]
        values = [v for v in values if not np.isnan(v)]
        result[names[i] + names[j]] = float(np.mean(values)) if values else float("nan")
    return result


# -- everything at once --------------------------------------------------------------------
def musegan_statistics(rolls, steps_per_bar: int = 16, steps_per_beat: int = 4, min_steps: int = 2,
                       names: str | list[str] = "satb") -> dict[str, float]:
    """EB, UPC, QN (each averaged over the voices, and per voice) and TD for every voice pair.

    Keys: ``empty_bars``, ``upc``, ``qn`` (means over the voices), ``empty_bars_<name>``,
    ``upc_<name>``, ``qn_<name>`` per voice, and ``td_<pair>`` (e.g. ``td_sa``). The same
    function on generated and on real windows of the same length gives the side-by-side table.
    """
    rolls = as_pitch_rolls(rolls, steps_per_bar)
    names = list(names)
    if len(names) != rolls.shape[2]:
        raise ValueError(f"{len(names)} names for {rolls.shape[2]} voices")
    per_voice = {"empty_bars": empty_bar_rate(rolls, steps_per_bar),
                 "upc": used_pitch_classes(rolls, steps_per_bar),
                 "qn": qualified_note_rate(rolls, min_steps)}
    stats = {}
    for key, values in per_voice.items():
        stats[key] = float(np.nanmean(values)) if not np.all(np.isnan(values)) else float("nan")
        for name, value in zip(names, values):
            stats[f"{key}_{name}"] = float(value)
    for pair, value in tonal_distances(rolls, names, steps_per_beat).items():
        stats[f"td_{pair}"] = value
    return stats
