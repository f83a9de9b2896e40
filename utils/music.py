"""Music you can see and hear (chapter 7): scores from piano rolls and tokens, piano-roll
plots, and audio that plays in any notebook.

- ``roll_to_score``: an array of pitches per time step (one column per voice) -> a music21 score.
- ``tokens_to_score``: the note and duration token streams of 07_02 -> a music21 score.
- ``plot_piano_roll``: notes as bars over time, one colour per voice.
- ``synthesize``: a score or a MIDI file -> a waveform. With FluidSynth and a General-MIDI
  SoundFont installed it renders with them; otherwise with the course's own small additive
  synthesiser (a few harmonics and an envelope per note: it sounds like an electric organ,
  not a cello, but every note and rhythm is there), so no system software is needed.
- ``listen``: writes ``music/<name>.mid`` and ``.wav`` into a run folder and returns an
  ``IPython.display.Audio`` player with the first seconds embedded (it plays in JupyterLab,
  in Colab and in an executed copy opened later).
- ``show_score``: notation, where MuseScore or LilyPond is installed for music21.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import wave
from fractions import Fraction
from pathlib import Path

import numpy as np

SAMPLE_RATE = 22_050     # the WAV files written to run/
PREVIEW_RATE = 11_025    # the players embedded in notebooks (half the size; cello and voices fit)
DEFAULT_VELOCITY = 80

# Where FluidSynth's General-MIDI SoundFont usually is (Debian/Ubuntu and Colab's
# `apt install fluidsynth` put FluidR3_GM.sf2 in the first place); GDL_SOUNDFONT wins.
SOUNDFONT_PLACES = (
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/soundfonts/FluidR3_GM.sf2",
    "/usr/share/sounds/sf2/default-GM.sf2",
    "/usr/share/soundfonts/default.sf2",
)


# -- scores from arrays and tokens ------------------------------------------------------

def roll_to_score(roll, step: float = 0.25, tempo: float | None = 100, instruments=None):
    """A music21 ``Score`` from a piano roll of pitches: ``roll[t, v]`` is the MIDI pitch that
    voice ``v`` sings at time step ``t`` (NaN or a negative number: a rest).

    ``step`` is one time step in quarter notes (0.25 = a 16th, the JSB chorales' grid).
    Consecutive steps with the same pitch become one held note (the roll cannot tell a held
    note from a repeated one; this is the usual reading). One ``Part`` per voice, named
    ``instruments[v]`` when given (strings or music21 instruments); ``tempo`` in quarter
    notes per minute (None: music21's default of 120).
    """
    from music21 import instrument, note, stream, tempo as m21tempo

    roll = np.asarray(roll, dtype=float)
    if roll.ndim == 1:
        roll = roll[:, None]
    if roll.ndim != 2:
        raise ValueError(f"roll_to_score needs an array (time steps, voices), got shape {roll.shape}")
    score = stream.Score()
    for v in range(roll.shape[1]):
        part = stream.Part()
        if instruments is not None:
            chosen = instruments[v]
            if isinstance(chosen, str):
                part.partName = chosen
            else:
                part.insert(0, chosen)
        elif roll.shape[1] > 1:
            part.partName = f"voice {v + 1}"
        if tempo is not None:  # in every part: music21 times each part by its own marks
            part.insert(0, m21tempo.MetronomeMark(number=tempo))
        column = roll[:, v]
        t = 0
        while t < len(column):
            end = t + 1
            while end < len(column) and _same_pitch(column[end], column[t]):
                end += 1
            length = (end - t) * step
            if _is_rest(column[t]):
                element = note.Rest(quarterLength=length)
            else:
                element = note.Note(int(round(column[t])), quarterLength=length)
                element.volume.velocity = DEFAULT_VELOCITY
            part.append(element)
            t = end
        if instruments is None:
            part.insert(0, instrument.Instrument())
        score.insert(0, part)
    return score


def _is_rest(pitch) -> bool:
    return bool(np.isnan(pitch) or pitch < 0)


def _same_pitch(a, b) -> bool:
    return (_is_rest(a) and _is_rest(b)) or (not _is_rest(a) and not _is_rest(b) and round(a) == round(b))


def tokens_to_score(notes, durations, tempo: float | None = 90):
    """A one-part music21 ``Score`` from 07_02's token streams.

    A note token is a pitch name (``"C#4"``), a chord (pitch names joined by ``"."``,
    ``"G2.D3.B3"``) or ``"rest"``; a duration token is a quarterLength as text (``"0.25"``,
    ``"1/3"``, ``"1.5"``). Other tokens (``"START"``, an unknown-token marker) and
    zero durations are skipped.
    """
    from music21 import chord, note, pitch, stream, tempo as m21tempo

    part = stream.Part()
    if tempo is not None:
        part.insert(0, m21tempo.MetronomeMark(number=tempo))
    for name, duration in zip(notes, durations):
        try:
            length = Fraction(str(duration))
        except (ValueError, ZeroDivisionError):
            continue
        if length <= 0:
            continue
        if name == "rest":
            element = note.Rest(quarterLength=length)
        else:
            try:
                pitches = [pitch.Pitch(p) for p in str(name).split(".")]
            except Exception:  # music21 raises several kinds for a name it cannot read
                continue
            element = note.Note(pitches[0]) if len(pitches) == 1 else chord.Chord(pitches)
            element.quarterLength = length
            element.volume.velocity = DEFAULT_VELOCITY
        part.append(element)
    score = stream.Score()
    score.insert(0, part)
    return score


# -- what a score contains ----------------------------------------------------------------

def note_events(score) -> list[tuple[float, float, int, int, int]]:
    """Every sounding note of a music21 stream as ``(start_seconds, seconds, midi_pitch,
    velocity, part_index)``, tied notes joined, tempo marks honoured (120 per minute where
    the score has none)."""
    events = []
    parts = list(score.parts) if hasattr(score, "parts") and len(score.parts) else [score]
    for index, part in enumerate(parts):
        flat = part.stripTies().flatten()
        for entry in flat.secondsMap:
            element = entry["element"]
            if not hasattr(element, "pitches") or getattr(element, "isRest", False):
                continue
            seconds = float(entry["durationSeconds"])
            if seconds <= 0:
                continue
            velocity = element.volume.velocity or DEFAULT_VELOCITY
            for p in element.pitches:
                events.append((float(entry["offsetSeconds"]), seconds, int(p.midi), int(velocity), index))
    events.sort()
    return events


def _note_bars(score_or_roll, step):
    """(start, length, pitch, voice) in quarter notes, for plotting."""
    if isinstance(score_or_roll, np.ndarray) or isinstance(score_or_roll, (list, tuple)):
        score_or_roll = roll_to_score(score_or_roll, step=step, tempo=None)
    bars = []
    parts = list(score_or_roll.parts) if len(getattr(score_or_roll, "parts", [])) else [score_or_roll]
    for index, part in enumerate(parts):
        for element in part.stripTies().flatten().notes:
            start, length = float(element.offset), float(element.quarterLength)
            for p in element.pitches:
                bars.append((start, length, int(p.midi), index))
    return bars, len(parts)


def _measure_starts(score_or_roll) -> list[float]:
    """Where the measures of the first part start, in quarter notes ([] when it has none)."""
    if not hasattr(score_or_roll, "parts"):
        return []
    parts = list(score_or_roll.parts) or [score_or_roll]
    return [float(m.offset) for m in parts[0].getElementsByClass("Measure")]


def plot_piano_roll(score_or_roll, ax=None, title: str | None = None, step: float = 0.25,
                    voice_names=None):
    """Draw notes as horizontal bars: x is time in quarter notes (beats), y the MIDI pitch
    (each C labelled), one colour per part or voice. Takes a music21 stream or a roll of
    pitches as ``roll_to_score`` reads it. Returns the figure."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    bars, n_parts = _note_bars(score_or_roll, step)
    created = ax is None
    if created:
        fig, ax = plt.subplots(figsize=(10, 3.2))
    else:
        fig = ax.figure
    colours = plt.get_cmap("tab10")
    for start, length, pitch, part in bars:
        ax.broken_barh([(start, length * 0.95)], (pitch - 0.4, 0.8), facecolors=colours(part % 10))
    if bars:
        low = min(b[2] for b in bars) - 2
        high = max(b[2] for b in bars) + 2
        ax.set_ylim(low, high)
        ax.set_xlim(0, max(b[0] + b[1] for b in bars))
        cs = [p for p in range(low, high + 1) if p % 12 == 0]
        ax.set_yticks(cs, [f"C{p // 12 - 1}" for p in cs])
    ax.set_xlabel("time (quarter notes)")
    ax.set_ylabel("pitch")
    end = max((b[0] + b[1] for b in bars), default=0.0)
    for bar_line in _measure_starts(score_or_roll) or np.arange(0.0, end, 4.0):  # bar lines, else every 4 beats
        ax.axvline(bar_line, color="grey", lw=0.5, alpha=0.4)
    if n_parts > 1:
        names = voice_names or [f"voice {i + 1}" for i in range(n_parts)]
        ax.legend(handles=[Patch(color=colours(i % 10), label=names[i]) for i in range(n_parts)],
                  loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=7, ncol=n_parts, frameon=False)
    if title:
        ax.set_title(title, loc="left")
    if created:
        fig.tight_layout()
    return fig


# -- sound ----------------------------------------------------------------------------------

def find_fluidsynth() -> tuple[str, str] | None:
    """``(fluidsynth executable, SoundFont path)`` when both are installed, else None.
    ``GDL_SOUNDFONT`` names a SoundFont (.sf2) to use."""
    executable = shutil.which("fluidsynth")
    if executable is None:
        return None
    from . import settings

    chosen = settings.soundfont()
    for place in ([str(chosen)] if chosen else []) + list(SOUNDFONT_PLACES):
        if place and Path(place).is_file():
            return executable, place
    return None


def synthesizer_name() -> str:
    """Which synthesiser ``synthesize`` will use here, in words."""
    found = find_fluidsynth()
    if found:
        return f"FluidSynth with {Path(found[1]).name}"
    return "the course's additive synthesiser (FluidSynth + a SoundFont not found)"


def synthesize(score_or_midi, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """A music21 stream or a MIDI file as a mono waveform (float32, peak 0.9).

    FluidSynth renders it when ``find_fluidsynth()`` finds it and a SoundFont; otherwise
    ``additive_synth`` plays ``note_events(score)`` with the repeats written out (as in the
    MIDI file music21 writes).
    """
    found = find_fluidsynth()
    if found:
        with tempfile.TemporaryDirectory() as tmp:
            midi = _as_midi_file(score_or_midi, Path(tmp))
            out = Path(tmp) / "out.wav"
            subprocess.run([found[0], "-ni", "-g", "0.6", "-r", str(sample_rate), "-F", str(out),
                            found[1], str(midi)], check=True, capture_output=True, timeout=600)
            audio, rate = read_wav(out)
            if rate != sample_rate:
                audio = _resample(audio, rate, sample_rate)
            return _normalise(audio)
    score = _played_out(_as_score(score_or_midi))
    return _normalise(additive_synth(note_events(score), sample_rate))


def _played_out(score):
    """The score with its repeats written out, as the MIDI file music21 writes has them."""
    try:
        return score.expandRepeats()
    except Exception:  # music21 raises on some malformed repeat marks: play it as written
        return score


def additive_synth(events, sample_rate: int = SAMPLE_RATE, harmonics: int = 6) -> np.ndarray:
    """The course's small synthesiser: each note is a sum of harmonics (amplitude 1/k for
    the k-th, so brighter than a sine, softer than a sawtooth) shaped by an envelope with a
    10 ms attack, a gentle decay and a 60 ms release, at the note's velocity.

    ``events`` are ``(start_seconds, seconds, midi_pitch, velocity, ...)`` tuples.
    """
    if not events:
        return np.zeros(int(0.5 * sample_rate), dtype=np.float32)
    release = 0.06
    end = max(start + seconds for start, seconds, *_ in events) + release + 0.1
    out = np.zeros(int(end * sample_rate) + 1, dtype=np.float32)
    for start, seconds, pitch, velocity, *_ in events:
        n = int((seconds + release) * sample_rate)
        t = np.arange(n, dtype=np.float32) / sample_rate
        frequency = 440.0 * 2.0 ** ((pitch - 69) / 12)
        tone = np.zeros(n, dtype=np.float32)
        for k in range(1, harmonics + 1):
            if k * frequency >= sample_rate / 2:   # above Nyquist it would alias
                break
            tone += np.sin(2 * np.pi * k * frequency * t).astype(np.float32) / k
        attack = np.clip(t / 0.01, 0, 1)
        decay = 0.6 + 0.4 * np.exp(-t / 0.15)
        fade = np.clip((seconds + release - t) / release, 0, 1)
        i = int(start * sample_rate)
        out[i:i + n] += tone * attack * decay * fade * (velocity / 127)
    return out


def _normalise(audio: np.ndarray, peak: float = 0.9) -> np.ndarray:
    audio = np.asarray(audio, dtype=np.float32)
    top = float(np.max(np.abs(audio))) if audio.size else 0.0
    return audio * (peak / top) if top > 0 else audio


def _resample(audio: np.ndarray, rate: int, new_rate: int) -> np.ndarray:
    """Linear interpolation: enough for a preview player."""
    n = int(round(len(audio) * new_rate / rate))
    return np.interp(np.arange(n) * rate / new_rate, np.arange(len(audio)), audio).astype(np.float32)


def wav_bytes(audio: np.ndarray, sample_rate: int) -> bytes:
    """A mono 16-bit WAV file's bytes."""
    samples = (np.clip(audio, -1, 1) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(sample_rate)
        handle.writeframes(samples.tobytes())
    return buffer.getvalue()


def read_wav(path) -> tuple[np.ndarray, int]:
    """A 16-bit WAV file as (mono float32 samples in -1..1, sample rate)."""
    with wave.open(str(path), "rb") as handle:
        if handle.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit WAV files are read, this one has "
                             f"{8 * handle.getsampwidth()}-bit samples")
        channels, rate = handle.getnchannels(), handle.getframerate()
        samples = np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2")
    audio = samples.astype(np.float32).reshape(-1, channels).mean(axis=1) / 32768
    return audio, rate


def _as_score(score_or_midi):
    if isinstance(score_or_midi, (str, os.PathLike)):
        from music21 import converter

        return converter.parse(str(score_or_midi), quarterLengthDivisors=(16, 12))
    return score_or_midi


def _as_midi_file(score_or_midi, folder: Path) -> Path:
    if isinstance(score_or_midi, (str, os.PathLike)):
        return Path(score_or_midi)
    path = folder / "score.mid"
    score_or_midi.write("midi", fp=str(path))
    return path


def listen(score_or_midi, run, name: str, seconds: float = 12):
    """Write ``music/<name>.mid`` and ``music/<name>.wav`` (the whole piece) into the run
    folder ``run`` and return a player for the first ``seconds`` (embedded at 11 kHz, so
    the notebook stays small). Put it last in a cell so the player shows."""
    from IPython.display import Audio

    from .runs import _relative, atomic_path

    midi_path = run.file("music", f"{name}.mid")
    with atomic_path(midi_path) as tmp:
        if isinstance(score_or_midi, (str, os.PathLike)):
            shutil.copyfile(score_or_midi, tmp)
        else:
            score_or_midi.write("midi", fp=str(tmp))
    audio = synthesize(midi_path if find_fluidsynth() else _as_score(score_or_midi))
    wav_path = run.file("music", f"{name}.wav")
    with atomic_path(wav_path) as tmp:
        Path(tmp).write_bytes(wav_bytes(audio, SAMPLE_RATE))
    length = len(audio) / SAMPLE_RATE
    preview = _resample(audio[: int(seconds * SAMPLE_RATE)], SAMPLE_RATE, PREVIEW_RATE)
    shown = min(seconds, length)
    print(f"{_relative(midi_path)} and .wav ({length:.0f} s, {synthesizer_name()}); "
          f"the player has the first {shown:.0f} s")
    return Audio(data=preview, rate=PREVIEW_RATE, normalize=False)


# -- notation ---------------------------------------------------------------------------------

def show_score(score, run=None, name: str = "score"):
    """Show the score as notation where music21 can render it (LilyPond on the PATH, or
    MuseScore configured in music21's settings): the PNG is written (into the run folder's
    ``figures/<name>.png`` when ``run`` is given) and displayed in the notebook. Where no
    renderer is installed, or rendering fails, it says so in one line and returns None."""
    from music21 import environment

    musescore = environment.UserSettings()["musescoreDirectPNGPath"]
    if shutil.which("lilypond"):
        fmt = "lily.png"
    elif musescore and Path(str(musescore)).is_file():
        fmt = "musicxml.png"
    else:
        print("No notation renderer here (LilyPond or MuseScore): see the piano roll instead. "
              "On Colab: !apt-get install -y lilypond, then run this cell again.")
        return None
    from IPython.display import Image, display

    from .runs import atomic_path

    try:
        written = Path(score.write(fmt))
    except Exception as err:  # a renderer that is installed but fails must not stop the notebook
        print(f"music21 could not render the score with {fmt.split('.')[0]}: {type(err).__name__}: {err}")
        return None
    if run is not None:
        target = run.file("figures", f"{name}.png")
        with atomic_path(target) as tmp:
            shutil.copyfile(written, tmp)
        written = target
    display(Image(filename=str(written)))
    return written

