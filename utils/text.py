"""Text helpers for the chapter-6 (and later) language models: NumPy only, no TensorFlow.

Each piece is written out and explained once in notebook 06_01 before it is saved here.

- ``Vocabulary``            tokens <-> integer ids (padding 0, ``[UNK]`` 1, reserved tokens, then
                            the most frequent tokens); the job of Keras's ``TextVectorization``,
                            which needs TensorFlow
- ``windows``               cut a token stream into (input, next-token target) training windows
- ``with_temperature``, ``sample_with_temperature``   reshape a distribution and sample from it
- ``aesop_fables``, ``clean_fable``, ``detokenize_fable``   Aesop's Fables as word+punctuation tokens
- ``split_documents``       a deterministic train / validation / test split by document
- ``split_like_nanogpt``    nanoGPT's Tiny Shakespeare split, its validation part halved into
                            validation and test

Importing it does not import Keras, TensorFlow or JAX.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

import numpy as np

PAD, UNK = "", "[UNK]"
PAD_ID, UNK_ID = 0, 1


class Vocabulary:
    """A table between tokens and integer ids, built from a corpus with ``adapt``.

    Id 0 is padding (``""``), id 1 is ``"[UNK]"`` (any token not in the table), then come the
    ``reserved`` tokens in the order given (e.g. ``"<start>"``, ``"<end>"``), then the corpus's
    tokens, most frequent first; tokens with the same count are sorted alphabetically, so the
    same texts always give the same ids. ``max_tokens`` caps the size, all of the above included.

    ``standardize``: None (keep the text), ``"lower"``, or a function str -> str.
    ``split``: ``"whitespace"`` (words), ``"character"``, or a function str -> list of tokens.
    """

    def __init__(self, max_tokens: int | None = None, reserved: Sequence[str] = (),
                 standardize: str | Callable[[str], str] | None = None,
                 split: str | Callable[[str], list[str]] = "whitespace"):
        if split not in ("whitespace", "character") and not callable(split):
            raise ValueError(f"split must be 'whitespace', 'character' or a function, not {split!r}")
        if standardize not in (None, "lower") and not callable(standardize):
            raise ValueError(f"standardize must be None, 'lower' or a function, not {standardize!r}")
        self.max_tokens, self.reserved = max_tokens, list(reserved)
        self.standardize, self.split = standardize, split
        self._tokens: list[str] | None = None     # id -> token, set by adapt()
        self._ids: dict[str, int] = {}            # token -> id

    def tokenize(self, text: str) -> list[str]:
        """Standardise ``text`` and split it into tokens (no lookup yet)."""
        if self.standardize == "lower":
            text = text.lower()
        elif callable(self.standardize):
            text = self.standardize(text)
        if self.split == "whitespace":
            return text.split()
        if self.split == "character":
            return list(text)
        return list(self.split(text))

    def adapt(self, texts: Iterable[str]) -> "Vocabulary":
        """Build the table from ``texts`` (a list of strings, e.g. the training documents)."""
        if isinstance(texts, str):
            raise TypeError("adapt() takes a list of texts, not one string (wrap it: [text])")
        counts = Counter(token for text in texts for token in self.tokenize(text))
        fixed = [PAD, UNK] + [t for t in self.reserved if t not in (PAD, UNK)]
        ranked = sorted((t for t in counts if t not in fixed), key=lambda t: (-counts[t], t))
        tokens = fixed + ranked
        if self.max_tokens is not None:
            if self.max_tokens < len(fixed):
                raise ValueError(f"max_tokens={self.max_tokens} leaves no room for padding, [UNK] "
                                 f"and the {len(self.reserved)} reserved tokens")
            tokens = tokens[:self.max_tokens]
        self._tokens = tokens
        self._ids = {t: i for i, t in enumerate(tokens)}
        return self

    @classmethod
    def from_texts(cls, texts: Iterable[str], **options) -> "Vocabulary":
        """``Vocabulary(**options).adapt(texts)`` in one call."""
        return cls(**options).adapt(texts)

    @property
    def vocabulary(self) -> list[str]:
        """All tokens, in id order (like ``TextVectorization.get_vocabulary()``)."""
        return list(self._table())

    def __len__(self) -> int:
        return len(self._table())

    def token_id(self, token: str) -> int:
        """The id of one token (``UNK_ID`` if it is not in the table)."""
        self._table()
        return self._ids.get(token, UNK_ID)

    def encode(self, text: str, length: int | None = None) -> np.ndarray:
        """The ids of ``text``'s tokens (int32); with ``length``, cut or padded with 0 to that length."""
        if not isinstance(text, str):
            raise TypeError(f"encode() takes one string, not {type(text).__name__} (use encode_batch)")
        self._table()
        ids = [self._ids.get(token, UNK_ID) for token in self.tokenize(text)]
        if length is not None:
            ids = ids[:length] + [PAD_ID] * max(0, length - len(ids))
        return np.array(ids, dtype="int32")

    def encode_batch(self, texts: Iterable[str], length: int | None = None) -> np.ndarray:
        """A (texts, length) int32 array; each row padded with 0 (``length`` = the longest if None)."""
        rows = [self.encode(text) for text in texts]
        length = max((len(r) for r in rows), default=0) if length is None else length
        out = np.zeros((len(rows), length), dtype="int32")       # 0 = padding
        for i, row in enumerate(rows):
            out[i, :min(length, len(row))] = row[:length]
        return out

    def tokens(self, ids: Iterable[int]) -> list[str]:
        """The tokens of ``ids``, padding dropped."""
        table = self._table()
        return [table[i] for i in np.asarray(ids, dtype="int64").ravel() if i != PAD_ID]

    def decode(self, ids: Iterable[int]) -> str:
        """The tokens of ``ids`` as one string (padding dropped): joined by spaces, or
        with nothing in between for ``split="character"``."""
        return ("" if self.split == "character" else " ").join(self.tokens(ids))

    def _table(self) -> list[str]:
        if self._tokens is None:
            raise RuntimeError("this Vocabulary is empty: call adapt(texts) (or Vocabulary.from_texts) first")
        return self._tokens

    def __repr__(self) -> str:
        size = "not adapted" if self._tokens is None else f"{len(self._tokens):,} tokens"
        return f"Vocabulary({size}, split={self.split!r})"


def windows(ids: np.ndarray, seq_len: int, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Training pairs for next-token prediction from one long stream of token ids.

    Windows of ``seq_len + 1`` tokens start every ``step`` tokens; the input ``x`` is the first
    ``seq_len`` tokens of a window and the target ``y`` the same window shifted by one, so that
    ``y[:, t]`` is the token that follows ``x[:, t]``. Returns ``x, y``, each (windows, seq_len).
    """
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise ValueError(f"windows() takes one 1-D stream of ids, got shape {ids.shape}")
    if len(ids) < seq_len + 1:
        raise ValueError(f"a stream of {len(ids)} tokens is too short for one window of {seq_len + 1}")
    w = np.lib.stride_tricks.sliding_window_view(ids, seq_len + 1)[::step]
    return w[:, :-1].copy(), w[:, 1:].copy()


def with_temperature(probs: np.ndarray, temperature: float) -> np.ndarray:
    """Reshape a probability distribution with a temperature: p_i ** (1 / T), renormalised.

    T < 1 sharpens it towards the most likely entries (T -> 0: all mass on the largest),
    T = 1 leaves it unchanged, T > 1 flattens it towards uniform.
    """
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature} (for the most likely token use argmax)")
    logits = np.log(np.asarray(probs, dtype="float64") + 1e-12) / temperature
    p = np.exp(logits - logits.max())
    return p / p.sum()


def sample_with_temperature(probs: np.ndarray, temperature: float, rng: np.random.Generator,
                            exclude: Sequence[int] = ()) -> int:
    """Draw one token id from the distribution ``probs`` reshaped by ``temperature``.

    ``exclude``: ids that must never be drawn (e.g. padding and ``[UNK]``).
    """
    p = with_temperature(probs, temperature)
    p[list(exclude)] = 0
    if p.sum() < 1e-9:
        raise ValueError("no probability left to sample from once `exclude` is removed")
    return int(rng.choice(len(p), p=p / p.sum()))


# --- Aesop's Fables (06_01, 06_02) -------------------------------------------------------------

def aesop_fables(book: str) -> list[str]:
    """The fables of ``data.load_aesop()``'s text, one string each ("Title\\n\\nstory...").

    The fables follow the second "ÆSOP'S FABLES" heading (the first one heads the contents),
    one per block, blocks separated by four blank lines, up to the list of illustrations.
    A book cut short (fast mode) loses its last, unfinished fable.
    """
    start = book.find("ÆSOP'S FABLES\n\n\n\n\n")
    if start < 0:
        raise ValueError("no \"ÆSOP'S FABLES\" heading followed by blank lines: not the Aesop text?")
    start += len("ÆSOP'S FABLES")
    end = book.find("\n\n\n\nILLUSTRATIONS", start)
    body = book[start:] if end < 0 else book[start:end]
    fables = [block.strip() for block in body.split("\n\n\n\n") if block.strip()]
    return fables if end >= 0 else fables[:-1]


def clean_fable(fable: str) -> str:
    """One fable as a line of lower-case tokens separated by spaces.

    The title comes first, then ``|`` (the line break after the title), then the story on one
    line; punctuation marks become tokens of their own (``grapes,`` -> ``grapes ,``) and the
    fable ends with the end-of-fable token ``<eof>``.
    """
    title, _, story = fable.partition("\n\n")
    story = " ".join(story.split())                                   # one line per fable
    s = f"{title} | {story}".lower()
    s = re.sub(r"([!\"#$%&()*+,\-./:;=?@\[\]_`{}~])", r" \1 ", s)    # punctuation as tokens
    return " ".join(s.split()) + " <eof>"


def detokenize_fable(tokens: Iterable[str]) -> str:
    """Tokens of ``clean_fable`` back to readable text: ``|`` -> a blank line, no ``<eof>``,
    no space before punctuation."""
    s = " ".join(tokens).replace(" | ", "\n\n").replace(" <eof>", "").replace("<eof>", "")
    return re.sub(r" ([,.;:!?)])", r"\1", s).strip()


def split_documents(docs: Sequence, val_fraction: float = 0.1,
                    test_fraction: float = 0.1) -> tuple[list, list, list]:
    """Split whole documents (fables) into train / validation / test, in their order.

    The last ``test_fraction`` of the documents is the test set (reported once, at the end),
    the ``val_fraction`` before it the validation set (early stopping, model choice), the rest
    the training set. At least one document each; no document is cut in two.
    """
    n = len(docs)
    n_val, n_test = max(1, int(n * val_fraction)), max(1, int(n * test_fraction))
    if n - n_val - n_test < 1:
        raise ValueError(f"{n} documents are too few for a train / validation / test split")
    docs = list(docs)
    return docs[:n - n_val - n_test], docs[n - n_val - n_test:n - n_test], docs[n - n_test:]


# --- Tiny Shakespeare (06_03, chapter 9) --------------------------------------------------------

def split_like_nanogpt(text: Sequence) -> tuple:
    """Tiny Shakespeare split as nanoGPT's ``shakespeare_char/prepare.py`` splits it, plus a test set.

    nanoGPT trains on the first 90% of the characters (``int(n * 0.9)``) and validates on the
    last 10%. We cut that last 10% in two halves: the first half is the validation set (early
    stopping), the second the test set (reported once). Works on a string or an array of ids;
    returns ``train, val, test``.
    """
    n = len(text)
    cut = int(n * 0.9)
    half = cut + (n - cut) // 2
    if cut < 1 or half == cut or half == n:
        raise ValueError(f"a text of {n} characters is too short to split")
    return text[:cut], text[cut:half], text[half:]
