"""utils.text: the vocabulary, training windows, temperature sampling and the text splits."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import numpy as np
import pytest

from utils import text
from utils.text import PAD_ID, UNK_ID, Vocabulary

ROOT = Path(__file__).resolve().parents[1]


# --- Vocabulary ---------------------------------------------------------------------------------

def test_vocabulary_order_most_frequent_first_ties_alphabetical():
    vocab = Vocabulary.from_texts(["b a a c", "c d zz d e"])
    # counts: a 2, c 2, d 2, b 1, e 1, zz 1
    assert vocab.vocabulary == ["", "[UNK]", "a", "c", "d", "b", "e", "zz"]
    assert len(vocab) == 8
    # the same texts in another order give the same ids
    assert Vocabulary.from_texts(["c d zz d e", "b a a c"]).vocabulary == vocab.vocabulary


def test_reserved_tokens_follow_unk_and_are_not_repeated():
    vocab = Vocabulary.from_texts(["<start> x y y <end>"], reserved=["<start>", "<end>"])
    assert vocab.vocabulary == ["", "[UNK]", "<start>", "<end>", "y", "x"]
    assert vocab.token_id("<end>") == 3


def test_max_tokens_caps_the_size_and_rarer_tokens_become_unk():
    vocab = Vocabulary.from_texts(["a a a b b c"], max_tokens=4)
    assert vocab.vocabulary == ["", "[UNK]", "a", "b"]
    assert vocab.encode("a b c").tolist() == [2, 3, UNK_ID]
    with pytest.raises(ValueError, match="no room"):
        Vocabulary.from_texts(["a"], max_tokens=1)


def test_unknown_tokens_map_to_unk():
    vocab = Vocabulary.from_texts(["the fox ran"])
    ids = vocab.encode("the wolf ran")
    assert ids[1] == UNK_ID and ids[0] != UNK_ID and ids[2] != UNK_ID
    assert vocab.token_id("wolf") == UNK_ID
    assert vocab.decode(ids) == "the [UNK] ran"


def test_encode_pads_and_cuts_to_a_fixed_length():
    vocab = Vocabulary.from_texts(["a b c"])
    assert vocab.encode("a b", length=4).tolist() == [vocab.token_id("a"), vocab.token_id("b"), PAD_ID, PAD_ID]
    assert vocab.encode("a b c", length=2).tolist() == [vocab.token_id("a"), vocab.token_id("b")]
    batch = vocab.encode_batch(["a", "a b c"])
    assert batch.shape == (2, 3) and batch.dtype == np.int32
    assert batch[0, 1:].tolist() == [PAD_ID, PAD_ID]
    assert vocab.encode_batch(["a b c"], length=5).shape == (1, 5)


def test_encode_decode_round_trip_words_and_characters():
    sentence = "the fox , the crow and the cheese ."
    words = Vocabulary.from_texts([sentence])
    assert words.decode(words.encode(sentence)) == sentence
    assert words.decode(words.encode(sentence, length=20)) == sentence      # padding dropped
    chars = Vocabulary.from_texts(["To be, or not\n"], split="character")
    assert chars.decode(chars.encode("be not\n")) == "be not\n"
    assert chars.tokens(chars.encode("To")) == ["T", "o"]


def test_standardize_lower_and_custom_split():
    vocab = Vocabulary.from_texts(["The Fox"], standardize="lower")
    assert vocab.encode("THE fox").tolist() == vocab.encode("the FOX").tolist()
    assert UNK_ID not in vocab.encode("THE fox")
    comma = Vocabulary.from_texts(["a,b,a"], split=lambda s: s.split(","))
    assert comma.vocabulary == ["", "[UNK]", "a", "b"]


def test_clear_errors_for_misuse():
    with pytest.raises(RuntimeError, match="adapt"):
        Vocabulary().encode("a")
    with pytest.raises(TypeError, match="list of texts"):
        Vocabulary().adapt("one long string")
    with pytest.raises(TypeError, match="encode_batch"):
        Vocabulary.from_texts(["a"]).encode(["a"])
    with pytest.raises(ValueError, match="split"):
        Vocabulary(split="words")


# --- windows ------------------------------------------------------------------------------------

def test_windows_shapes_and_shift():
    ids = np.arange(100)
    x, y = text.windows(ids, seq_len=10, step=5)
    assert x.shape == y.shape == (18, 10)             # starts 0, 5, ..., 85 (89 + 11 = 100)
    assert np.array_equal(y, x + 1)                   # the target is the input shifted by one
    assert x[1, 0] == 5 and y[-1, -1] == 95
    x, y = text.windows(np.arange(11), seq_len=10, step=10)
    assert x.shape == (1, 10) and y[0, -1] == 10     # the last token is used


def test_windows_rejects_a_stream_too_short():
    with pytest.raises(ValueError, match="too short"):
        text.windows(np.arange(5), seq_len=10, step=1)


# --- temperature --------------------------------------------------------------------------------

def test_temperature_one_keeps_the_distribution_and_low_temperature_picks_the_argmax():
    probs = np.array([0.1, 0.6, 0.3])
    assert np.allclose(text.with_temperature(probs, 1.0), probs)
    assert text.with_temperature(probs, 0.01)[1] > 0.999
    flat = text.with_temperature(probs, 100.0)
    assert np.allclose(flat, 1 / 3, atol=0.01)
    rng = np.random.default_rng(0)
    assert {text.sample_with_temperature(probs, 1e-3, rng) for _ in range(200)} == {1}
    with pytest.raises(ValueError, match="temperature"):
        text.with_temperature(probs, 0)


def test_sampling_frequencies_follow_the_distribution():
    probs = np.array([0.5, 0.3, 0.15, 0.05])
    rng = np.random.default_rng(1)
    draws = [text.sample_with_temperature(probs, 1.0, rng) for _ in range(20_000)]
    freq = np.bincount(draws, minlength=4) / len(draws)
    assert np.allclose(freq, probs, atol=0.015)
    # T = 0.5 squares the probabilities (then renormalises)
    squared = probs ** 2 / (probs ** 2).sum()
    draws = [text.sample_with_temperature(probs, 0.5, rng) for _ in range(20_000)]
    assert np.allclose(np.bincount(draws, minlength=4) / len(draws), squared, atol=0.015)


def test_excluded_ids_are_never_drawn():
    probs = np.array([0.45, 0.45, 0.1])       # padding and [UNK] most likely
    rng = np.random.default_rng(2)
    draws = {text.sample_with_temperature(probs, 1.0, rng, exclude=(PAD_ID, UNK_ID)) for _ in range(100)}
    assert draws == {2}
    with pytest.raises(ValueError, match="exclude"):
        text.sample_with_temperature(np.array([0.5, 0.5, 0.0]), 1.0, rng, exclude=(0, 1))


# --- Aesop --------------------------------------------------------------------------------------

BOOK = ("INTRODUCTION\n\nSome words.\n\nÆSOP'S FABLES\n\n    The Fox\n\n\n\n\n\nÆSOP'S FABLES\n\n\n\n\n"
        "THE FOX AND THE GRAPES\n\n\nA hungry Fox saw some Grapes,\nand said: \"Sour!\"\n\n\n\n\n"
        "THE WOLF\n\n\nA Wolf ran.\n\n\n\nILLUSTRATIONS\n\nA picture.\n")


def test_aesop_fables_and_cleaning():
    fables = text.aesop_fables(BOOK)
    assert [f.split("\n")[0] for f in fables] == ["THE FOX AND THE GRAPES", "THE WOLF"]
    cleaned = text.clean_fable(fables[0])
    assert cleaned == 'the fox and the grapes | a hungry fox saw some grapes , and said : " sour ! " <eof>'
    assert text.detokenize_fable(cleaned.split()) == ('the fox and the grapes\n\na hungry fox saw some grapes, '
                                                     'and said: " sour! "')
    # a book cut short (fast mode) loses its unfinished last fable
    assert len(text.aesop_fables(BOOK[:BOOK.index("A Wolf ran")])) == 1
    with pytest.raises(ValueError, match="Aesop"):
        text.aesop_fables("no fables here")


def test_split_documents_is_in_order_disjoint_and_complete():
    docs = [f"doc{i}" for i in range(95)]
    train, val, test = text.split_documents(docs, val_fraction=0.1, test_fraction=0.1)
    assert (len(train), len(val), len(test)) == (77, 9, 9)
    assert train + val + test == docs
    assert test == docs[-9:]
    assert [len(p) for p in text.split_documents(docs[:3])] == [1, 1, 1]
    with pytest.raises(ValueError, match="too few"):
        text.split_documents(docs[:2])


# --- Tiny Shakespeare ---------------------------------------------------------------------------

def test_split_like_nanogpt():
    corpus = "".join(chr(97 + i % 26) for i in range(1_115_394))
    train, val, test = text.split_like_nanogpt(corpus)
    assert len(train) == int(len(corpus) * 0.9) == 1_003_854       # nanoGPT's training set
    assert val + test == corpus[len(train):]                         # nanoGPT's validation set, halved
    assert abs(len(val) - len(test)) <= 1
    ids = np.arange(1000)
    parts = text.split_like_nanogpt(ids)
    assert [len(p) for p in parts] == [900, 50, 50]
    with pytest.raises(ValueError, match="too short"):
        text.split_like_nanogpt("abc")


# --- the notebook shows what utils.text saves -----------------------------------------------------

SAVED_IN_06_01 = [text.aesop_fables, text.clean_fable, text.split_documents, text.Vocabulary,
                  text.windows, text.with_temperature, text.sample_with_temperature, text.detokenize_fable]


@pytest.mark.parametrize("obj", SAVED_IN_06_01, ids=lambda o: o.__name__)
def test_06_01_writes_out_each_saved_function_word_for_word(obj):
    cells = json.loads((ROOT / "notebooks" / "06_01_lstm_aesop.ipynb").read_text(encoding="utf-8"))["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    source = inspect.getsource(obj).rstrip("\n")
    assert any("# saved in utils.text" in c and source in c for c in code), \
        f"06_01 should show {obj.__name__} exactly as utils/text.py has it"
