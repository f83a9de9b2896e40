"""The MuseGAN statistics in ``utils.musegan_metrics`` on hand-made pitch rolls with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from utils.musegan_metrics import (
    TONAL_MATRIX,
    as_pitch_rolls,
    empty_bar_rate,
    musegan_statistics,
    notes,
    qualified_note_rate,
    tonal_centroid,
    tonal_distance,
    tonal_distances,
    used_pitch_classes,
)

R = np.nan  # a rest
C4, E4, G4, C5, D4, FS4 = 60, 64, 67, 72, 62, 66


def two_bars(*voices):
    """A pitch roll (T, V) from lists of per-step pitches, one list per voice."""
    return np.stack([np.asarray(v, dtype=float) for v in voices], axis=1)


def chord_length(radius, angle):
    """Distance between two points at ``angle`` apart on a circle of ``radius``."""
    return 2 * radius * abs(np.sin(angle / 2))


def test_notes_merges_held_pitches_and_splits_at_rests():
    voice = [C4, C4, C4, R, E4, G4, G4, -1, C5]
    assert notes(voice) == [(0, 3, C4), (4, 1, E4), (5, 2, G4), (8, 1, C5)]
    assert notes([R, R]) == []
    assert notes([D4] * 4) == [(0, 4, D4)]


def test_an_empty_bar_is_counted_per_voice():
    silent_then_playing = [R] * 16 + [C4] * 16    # bar 1 empty, bar 2 not
    always = [G4] * 32
    rests_as_minus_one = [-1] * 32                # both bars empty
    roll = two_bars(silent_then_playing, always, rests_as_minus_one)
    np.testing.assert_allclose(empty_bar_rate(roll, steps_per_bar=16), [0.5, 0.0, 1.0])
    # one step of sound is enough to make a bar non-empty
    almost = [R] * 15 + [C4] + [R] * 16
    np.testing.assert_allclose(empty_bar_rate(two_bars(almost)), [0.5])


def test_used_pitch_classes_of_a_c_major_triad_and_octaves():
    arpeggio = [C4] * 4 + [E4] * 4 + [G4] * 4 + [C5] * 4    # bar 1: C, E, G (C5 is C again) -> 3
    octaves = [D4] * 8 + [D4 + 12] * 4 + [D4 - 12] * 4      # bar 2: only D -> 1
    roll = two_bars(arpeggio + octaves)
    np.testing.assert_allclose(used_pitch_classes(roll), [2.0])
    # empty bars are left out of the mean, a silent voice gives NaN
    roll = two_bars(arpeggio + [R] * 16, [R] * 32)
    got = used_pitch_classes(roll)
    assert got[0] == pytest.approx(3.0) and np.isnan(got[1])


def test_qualified_notes_depend_on_the_threshold():
    voice = [C4, E4, G4, G4, C5, C5, C5, C5] + [R] * 8     # lengths 1, 1, 2, 4
    roll = two_bars(voice)
    assert qualified_note_rate(roll, min_steps=2)[0] == pytest.approx(0.5)
    assert qualified_note_rate(roll, min_steps=1)[0] == pytest.approx(1.0)
    assert qualified_note_rate(roll, min_steps=3)[0] == pytest.approx(0.25)
    with pytest.raises(ValueError, match="min_steps"):
        qualified_note_rate(roll, min_steps=0)


def test_a_note_held_over_the_bar_line_counts_once():
    voice = [R] * 15 + [C4] * 2 + [R] * 15                  # one note of 2 steps across bars 1-2
    assert qualified_note_rate(two_bars(voice), min_steps=2)[0] == pytest.approx(1.0)


def test_tonal_centroid_of_one_pitch_class():
    # C (pitch class 0): every sine is 0, every cosine is 1, scaled by the radii 1, 1, 0.5
    np.testing.assert_allclose(tonal_centroid(np.eye(12)[0]), [0, 1, 0, 1, 0, 0.5], atol=1e-12)
    # the centroid is normalised: the same chroma counted twice gives the same point
    chroma = np.zeros(12)
    chroma[[0, 4, 7]] = 1
    np.testing.assert_allclose(tonal_centroid(chroma), tonal_centroid(2 * chroma))
    with pytest.raises(ValueError, match="silence"):
        tonal_centroid(np.zeros(12))
    assert TONAL_MATRIX.shape == (6, 12)


def test_identical_voices_have_tonal_distance_zero():
    voice = [C4] * 4 + [E4] * 4 + [G4] * 4 + [D4] * 4
    assert tonal_distance(voice, voice) == pytest.approx(0.0, abs=1e-12)
    # octaves are the same pitch class: distance 0 too
    assert tonal_distance(voice, [p - 12 for p in voice]) == pytest.approx(0.0, abs=1e-12)


def test_known_tonal_distances_of_a_tritone_and_a_fifth():
    # C against F#: opposite on the circles of fifths and minor thirds, same point on major thirds
    assert tonal_distance([C4] * 4, [FS4] * 4) == pytest.approx(2 * np.sqrt(2))
    # C against G (7 semitones): angles 7*7pi/6, 7*3pi/2, 7*2pi/3 on circles of radius 1, 1, 0.5
    expected = np.sqrt(chord_length(1, 7 * 7 * np.pi / 6) ** 2 + chord_length(1, 7 * 3 * np.pi / 2) ** 2
                       + chord_length(0.5, 7 * 2 * np.pi / 3) ** 2)
    assert tonal_distance([C4] * 4, [G4] * 4) == pytest.approx(expected)
    assert 0 < expected < 2 * np.sqrt(2)   # a fifth is closer than a tritone


def test_tonal_distance_averages_only_beats_where_both_voices_sound():
    a = [C4] * 4 + [C4] * 4 + [C4] * 4
    b = [C4] * 4 + [FS4] * 4 + [R] * 4         # beat 3: b is silent, left out
    assert tonal_distance(a, b) == pytest.approx(np.sqrt(2))    # mean of 0 and 2*sqrt(2)
    assert np.isnan(tonal_distance([C4] * 4 + [R] * 4, [R] * 4 + [C4] * 4))


def test_tonal_distances_names_every_pair():
    roll = two_bars([C4] * 16, [C4] * 16, [FS4] * 16, [C4 - 24] * 16)
    td = tonal_distances(roll)
    assert list(td) == ["sa", "st", "sb", "at", "ab", "tb"]
    assert td["sa"] == pytest.approx(0) and td["sb"] == pytest.approx(0)
    assert td["st"] == pytest.approx(2 * np.sqrt(2)) and td["tb"] == pytest.approx(2 * np.sqrt(2))


def test_musegan_statistics_on_a_batch():
    window = two_bars([C4] * 8 + [E4] * 8 + [R] * 16, [G4] * 32, [C4] * 32, [C4 - 24] * 32)
    batch = np.stack([window, window])
    stats = musegan_statistics(batch)
    assert stats["empty_bars_s"] == pytest.approx(0.5) and stats["empty_bars"] == pytest.approx(0.125)
    assert stats["upc_s"] == pytest.approx(2.0) and stats["upc"] == pytest.approx(1.25)
    assert stats["qn"] == pytest.approx(1.0)
    assert stats["td_tb"] == pytest.approx(0.0) and stats["td_sa"] > 0
    assert {"td_sa", "td_st", "td_sb", "td_at", "td_ab", "td_tb"} <= set(stats)


def test_bad_input_gives_one_clear_message():
    with pytest.raises(ValueError, match="whole number of bars"):
        empty_bar_rate(np.full((20, 4), 60.0), steps_per_bar=16)
    with pytest.raises(ValueError, match="time steps, voices"):
        as_pitch_rolls(np.zeros(16))
    with pytest.raises(ValueError, match="MIDI"):
        as_pitch_rolls(np.full((16, 1), 200.0))
    with pytest.raises(ValueError, match="MIDI"):
        as_pitch_rolls(np.full((16, 1), 60.5))
    with pytest.raises(ValueError, match="names"):
        musegan_statistics(np.full((16, 4), 60.0), names="sat")
    with pytest.raises(ValueError, match="same length"):
        tonal_distance([C4] * 4, [C4] * 8)
