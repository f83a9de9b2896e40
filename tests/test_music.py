"""utils.music: scores from rolls and tokens, the synthesiser, players and files in run/."""

from __future__ import annotations

import io
import os
import stat
import sys
import wave

import numpy as np
import pytest

from utils import music, runs

from saved_code import assert_notebook_saves


def _notes(score, part=0):
    return [(float(n.offset), float(n.quarterLength), None if n.isRest else int(n.pitch.midi))
            for n in score.parts[part].flatten().notesAndRests]


def test_roll_to_score_merges_held_notes_and_reads_rests():
    roll = np.array([[60, 64], [60, 64], [62, np.nan], [-1, 67]], dtype=float)
    score = music.roll_to_score(roll, step=0.25)
    assert len(score.parts) == 2
    assert _notes(score, 0) == [(0.0, 0.5, 60), (0.5, 0.25, 62), (0.75, 0.25, None)]
    assert _notes(score, 1) == [(0.0, 0.5, 64), (0.5, 0.25, None), (0.75, 0.25, 67)]


def test_every_part_keeps_the_tempo():
    roll = np.array([[60, 64], [60, 64]], dtype=float)  # a half-beat note in both voices
    events = music.note_events(music.roll_to_score(roll, step=0.25, tempo=60))
    assert [round(seconds, 6) for _, seconds, *_ in events] == [0.5, 0.5]


def test_roll_to_score_rejects_a_cube():
    with pytest.raises(ValueError, match="time steps, voices"):
        music.roll_to_score(np.zeros((2, 2, 2)))


def test_tokens_to_score_reads_notes_chords_rests_and_fractions():
    score = music.tokens_to_score(["START", "C4", "G2.D3.B3", "rest", "E4", "??"],
                                  ["0", "1/3", "1.5", "0.25", "1", "1"])
    elements = list(score.parts[0].flatten().notesAndRests)
    assert [type(e).__name__ for e in elements] == ["Note", "Chord", "Rest", "Note"]
    assert [float(e.quarterLength) for e in elements] == pytest.approx([1 / 3, 1.5, 0.25, 1.0])
    assert [p.midi for p in elements[1].pitches] == [43, 50, 59]


def test_additive_synth_plays_the_right_pitch_for_the_right_time():
    rate = 8000
    audio = music.additive_synth([(0.5, 1.0, 69, 100)], rate)  # A4 from 0.5 s to 1.5 s
    assert len(audio) >= int(1.5 * rate)
    assert np.abs(audio[: int(0.5 * rate)]).max() == 0            # silence before the note
    spectrum = np.abs(np.fft.rfft(audio[int(0.6 * rate): int(1.4 * rate)]))
    frequencies = np.fft.rfftfreq(int(0.8 * rate), 1 / rate)
    assert abs(frequencies[spectrum.argmax()] - 440) < 2


def test_synthesize_normalises_and_spans_the_score():
    score = music.roll_to_score(np.array([[60]] * 8, dtype=float), step=0.5, tempo=120)  # 2 s
    audio = music.synthesize(score, sample_rate=8000)
    assert audio.dtype == np.float32
    assert np.abs(audio).max() == pytest.approx(0.9, abs=1e-4)
    assert 2.0 <= len(audio) / 8000 < 2.5


def test_wav_round_trip(tmp_path):
    audio = np.sin(np.linspace(0, 20, 1000)).astype(np.float32) * 0.5
    path = tmp_path / "sine.wav"
    path.write_bytes(music.wav_bytes(audio, 8000))
    back, rate = music.read_wav(path)
    assert rate == 8000
    np.testing.assert_allclose(back, audio, atol=1 / 16000)


def test_listen_writes_midi_and_wav_and_embeds_a_short_player(tmp_path, monkeypatch):
    monkeypatch.setenv("GDL_RUN_DIR", str(tmp_path / "run"))
    monkeypatch.setenv("PATH", str(tmp_path))  # no FluidSynth
    run = runs.start_run("music_test")
    score = music.roll_to_score(np.array([[60]] * 40 + [[67]] * 40, dtype=float), step=0.5, tempo=120)
    player = music.listen(score, run, "tune", seconds=3)  # a 20-second piece, a 3-second player
    wav = run.path / "music" / "tune.wav"
    audio, rate = music.read_wav(wav)
    assert rate == music.SAMPLE_RATE and 20 <= len(audio) / rate < 21
    assert (run.path / "music" / "tune.mid").stat().st_size > 0
    from music21 import converter
    back = converter.parse(str(run.path / "music" / "tune.mid"))
    assert [int(n.pitch.midi) for n in back.stripTies().flatten().notes] == [60, 67]
    with wave.open(io.BytesIO(player.data)) as embedded:  # the player holds a WAV file's bytes
        assert embedded.getframerate() == music.PREVIEW_RATE
        assert embedded.getnframes() == 3 * music.PREVIEW_RATE
    assert not [p for p in (run.path / "music").iterdir() if p.name.startswith(".")]  # no temp files left


def test_fluidsynth_is_used_when_installed(tmp_path, monkeypatch):
    """A stand-in `fluidsynth` executable on PATH and a SoundFont: synthesize must call it
    with the SoundFont and the MIDI file and read back the WAV it writes."""
    soundfont = tmp_path / "gm.sf2"
    soundfont.write_bytes(b"stand-in")
    log = tmp_path / "args.txt"
    fake = tmp_path / "fluidsynth"
    fake.write_text(f"""#!{sys.executable}
import sys, wave
args = sys.argv[1:]
open({str(log)!r}, "w").write(" ".join(args))
out = args[args.index("-F") + 1]
with wave.open(out, "wb") as w:
    w.setnchannels(2); w.setsampwidth(2); w.setframerate(int(args[args.index("-r") + 1]))
    w.writeframes(b"\\x00\\x10" * 2 * 800)
""")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(tmp_path) + os.pathsep + os.environ["PATH"])
    monkeypatch.setenv("GDL_SOUNDFONT", str(soundfont))
    assert music.find_fluidsynth() == (str(fake), str(soundfont))
    assert "FluidSynth" in music.synthesizer_name()
    audio = music.synthesize(music.roll_to_score(np.array([[60]], dtype=float)), sample_rate=8000)
    assert len(audio) == 800 and np.allclose(audio, 0.9)
    called = log.read_text()
    assert str(soundfont) in called and ".mid" in called


def test_without_a_soundfont_the_builtin_synth_is_used(tmp_path, monkeypatch):
    fake = tmp_path / "fluidsynth"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("GDL_SOUNDFONT", raising=False)
    monkeypatch.setattr(music, "SOUNDFONT_PLACES", (str(tmp_path / "missing.sf2"),))
    assert music.find_fluidsynth() is None
    assert "additive" in music.synthesizer_name()


def test_read_wav_refuses_8_bit(tmp_path):
    path = tmp_path / "8bit.wav"
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1); handle.setsampwidth(1); handle.setframerate(8000)
        handle.writeframes(bytes(100))
    with pytest.raises(ValueError, match="16-bit"):
        music.read_wav(path)


def test_piano_roll_draws_one_bar_per_note():
    import matplotlib
    matplotlib.use("Agg")
    roll = np.array([[60, 64], [60, 64], [62, np.nan]], dtype=float)
    fig = music.plot_piano_roll(roll, title="test")
    bars = [c for c in fig.axes[0].collections]
    assert len(bars) == 3  # C4 held, D4, E4 held
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["voice 1", "voice 2"]


def test_07_01_writes_exactly_what_utils_music_saves():
    """07_01 writes note_events and additive_synth out and says they are saved in utils.music."""
    assert_notebook_saves("07_01_music_notation", "music", ["note_events", "additive_synth"],
                          "# saved in utils.music")
