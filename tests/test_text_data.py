"""utils.data text loaders (chapter 6): Gutenberg stripping, checksums, fast mode, the real mirror."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import zipfile

import numpy as np
import pytest

from utils import data
from utils.data import registry, text

BOOK = (
    "The Project Gutenberg EBook of Toy Fables\n\nLicence words here.\n\n"
    "*** START OF THIS PROJECT GUTENBERG EBOOK TOY FABLES ***\n\n\n"
    "THE FOX AND THE GRAPES\n\nA hungry Fox saw some Grapes.\n" + "More fable text. " * 200 + "\n\n"
    "End of the Project Gutenberg EBook of Toy Fables\n\n"
    "*** END OF THIS PROJECT GUTENBERG EBOOK TOY FABLES ***\n\nFULL LICENSE: lots of legal text.\n"
)


def _fake_aesop(monkeypatch, content: bytes, fast_chars: int = 100) -> registry.Dataset:
    real = data.REGISTRY["aesop"]
    fake = registry.Dataset(
        name="aesop", title=real.title, homepage=real.homepage,
        files=(registry.RemoteFile("pg11339.txt", ("https://primary.invalid/pg11339.txt",),
                               hashlib.sha256(content).hexdigest()),),
        fast_sizes=(fast_chars, 0),
    )
    monkeypatch.setitem(data.REGISTRY, "aesop", fake)
    return fake


def test_gutenberg_header_and_footer_stripped(monkeypatch, mirror, net, capsys):
    content = BOOK.encode()
    _fake_aesop(monkeypatch, content)
    (mirror / "aesop").mkdir()
    (mirror / "aesop" / "pg11339.txt").write_bytes(content)

    text = data.load_aesop()

    assert text.startswith("THE FOX AND THE GRAPES\n")
    assert text.rstrip().endswith("More fable text.")
    for gone in ("Project Gutenberg", "*** START", "*** END", "LICENSE", "Licence"):
        assert gone not in text
    assert "official data from mirror" in capsys.readouterr().out
    assert net.calls == []


def test_missing_markers_is_a_clear_error(monkeypatch, mirror):
    content = BOOK.replace("*** END OF", "END OF").encode()
    _fake_aesop(monkeypatch, content)
    (mirror / "aesop").mkdir()
    (mirror / "aesop" / "pg11339.txt").write_bytes(content)

    with pytest.raises(data.DataUnavailable, match=r"\*\*\* START OF.*\*\*\* END OF"):
        data.load_aesop()
    with pytest.raises(data.DataUnavailable, match="markers"):
        text.strip_gutenberg("no markers at all")


def test_checksum_mismatch_rejected(monkeypatch, mirror, net):
    _fake_aesop(monkeypatch, BOOK.encode())
    (mirror / "aesop").mkdir()
    (mirror / "aesop" / "pg11339.txt").write_bytes(BOOK.replace("Fox", "Cat").encode())  # tampered copy

    with pytest.raises(data.ChecksumError, match="corrupt or truncated") as info:
        data.load_aesop()
    assert str(mirror.resolve() / "aesop" / "pg11339.txt") in str(info.value), "the message names the bad copy"
    assert len(net.calls) == 1, "a bad mirror copy falls through to a download (which fails here)"
    assert b"Cat" in (mirror / "aesop" / "pg11339.txt").read_bytes(), "the mirror is never written to"


def test_download_with_wrong_bytes_is_not_kept(monkeypatch, isolated_env, net):
    fake = _fake_aesop(monkeypatch, BOOK.encode())
    net.serve(fake.files[0].urls[0], b"something else entirely")

    with pytest.raises(data.DataUnavailable, match="pg11339.txt is not available"):
        data.load_aesop()
    assert not (isolated_env["cache"] / "aesop" / "pg11339.txt").exists()


def test_fast_mode_is_a_fixed_shorter_prefix(monkeypatch, mirror, capsys):
    content = BOOK.encode()
    _fake_aesop(monkeypatch, content, fast_chars=100)
    (mirror / "aesop").mkdir()
    (mirror / "aesop" / "pg11339.txt").write_bytes(content)

    full = data.load_aesop()
    monkeypatch.setenv("GDL_FAST", "1")
    fast = data.load_aesop()

    assert len(fast) == 100 < len(full)
    assert full.startswith(fast)
    assert "fast mode: the first 100" in capsys.readouterr().out


# --------------------------------------------------------------------------- the real mirror


def test_real_aesop(real_mirror, net, monkeypatch):
    text = data.load_aesop()
    assert "THE FOX AND THE GRAPES" in text and "Project Gutenberg" not in text
    assert 200_000 < len(text) < 220_000
    monkeypatch.setenv("GDL_FAST", "1")
    assert len(data.load_aesop()) == data.REGISTRY["aesop"].fast_sizes[0]
    assert net.calls == []


def test_real_tiny_shakespeare(real_mirror, net, monkeypatch):
    text = data.load_tiny_shakespeare()
    assert len(text) == 1_115_394 and text.startswith("First Citizen:\n")
    monkeypatch.setenv("GDL_FAST", "1")
    fast = data.load_tiny_shakespeare()
    assert len(fast) == data.REGISTRY["shakespeare"].fast_sizes[0] and text.startswith(fast)
    assert net.calls == []


# --------------------------------------------------------------------------- SQuAD v1.1

def _squad_json(n_paragraphs: int = 3, questions_per_paragraph: int = 2, answers_per_question: int = 1) -> bytes:
    """A tiny file in SQuAD v1.1's format; question k of paragraph p asks about word k."""
    articles = []
    for p in range(n_paragraphs):
        words = [f"word{p}x{k}" for k in range(questions_per_paragraph)]
        context = f"Paragraph {p} is about " + " and ".join(words) + ". It ends here."
        qas = []
        for k, word in enumerate(words):
            start = context.index(word)
            answers = [{"text": word, "answer_start": start}]
            answers += [{"text": context[start:start + len(word) + 4], "answer_start": start}] * (answers_per_question - 1)
            qas.append({"id": f"q{p}_{k}", "question": f"What is item {k} of paragraph {p}?", "answers": answers})
        qas.append({"id": f"q{p}_none", "question": "Unanswered?", "answers": []})  # left out
        articles.append({"title": f"Article_{p}", "paragraphs": [{"context": context, "qas": qas}]})
    return json.dumps({"version": "1.1", "data": articles}).encode()


def _fake_squad(monkeypatch, train: bytes, dev: bytes, fast_sizes=(3, 2)) -> registry.Dataset:
    real = data.REGISTRY["squad"]
    fake = registry.Dataset(
        name="squad", title=real.title, homepage=real.homepage,
        files=tuple(registry.RemoteFile(f.name, (f"https://primary.invalid/{f.name}",), hashlib.sha256(content).hexdigest())
                    for f, content in zip(real.files, (train, dev))),
        fast_sizes=fast_sizes,
    )
    monkeypatch.setitem(data.REGISTRY, "squad", fake)
    return fake


def _mirror_squad(monkeypatch, mirror, train: bytes, dev: bytes, **kwargs) -> registry.Dataset:
    fake = _fake_squad(monkeypatch, train, dev, **kwargs)
    (mirror / "squad").mkdir()
    (mirror / "squad" / "train-v1.1.json").write_bytes(train)
    (mirror / "squad" / "dev-v1.1.json").write_bytes(dev)
    return fake


def test_squad_registered_with_official_files():
    squad = data.REGISTRY["squad"]
    assert [f.name for f in squad.files] == ["train-v1.1.json", "dev-v1.1.json"]
    for file in squad.files:
        assert file.urls[0] == "https://rajpurkar.github.io/SQuAD-explorer/dataset/" + file.name
        assert len(file.sha256) == 64 and file.size > 0
    assert data.download_size("squad") == 30_288_272 + 4_854_279


def test_squad_parsed_one_example_per_question(monkeypatch, mirror, net, capsys):
    _mirror_squad(monkeypatch, mirror, _squad_json(3, 2), _squad_json(2, 2, answers_per_question=3))

    (contexts, questions, answers, starts), dev = data.load_squad()

    assert len(contexts) == len(questions) == len(answers) == len(starts) == 6  # unanswered left out
    assert questions[:2] == ["What is item 0 of paragraph 0?", "What is item 1 of paragraph 0?"]
    assert contexts[0] is contexts[1] and contexts[0].startswith("Paragraph 0 is about")
    assert starts.dtype == "int64"
    for context, answer, start in zip(contexts, answers, starts):
        assert context[start:start + len(answer)] == answer  # answer_start points at the answer
    assert len(dev[1]) == 4 and dev[2][0] == "word0x0"  # dev: the first of three answers
    assert "4 dev questions" in capsys.readouterr().out
    assert net.calls == []


def test_squad_fast_mode_is_a_fixed_prefix(monkeypatch, mirror, capsys):
    _mirror_squad(monkeypatch, mirror, _squad_json(3, 2), _squad_json(2, 2), fast_sizes=(3, 2))
    full_train, full_dev = data.load_squad()
    monkeypatch.setenv("GDL_FAST", "1")
    train, dev = data.load_squad()

    assert [len(part) for part in train] == [3] * 4 and [len(part) for part in dev] == [2] * 4
    assert train[1] == full_train[1][:3] and dev[1] == full_dev[1][:2]
    assert "fast mode: 3 / 2" in capsys.readouterr().out


def test_squad_corrupted_file_refused(monkeypatch, mirror, net):
    train, dev = _squad_json(), _squad_json(1)
    _fake_squad(monkeypatch, train, dev)
    (mirror / "squad").mkdir()
    (mirror / "squad" / "train-v1.1.json").write_bytes(train[:-10])  # truncated copy
    (mirror / "squad" / "dev-v1.1.json").write_bytes(dev)

    with pytest.raises(data.ChecksumError, match="train-v1.1.json is corrupt or truncated"):
        data.load_squad()
    assert [url for url, _ in net.calls] == ["https://primary.invalid/train-v1.1.json"], "only the bad file is fetched"


@pytest.mark.parametrize("content, why", [
    (b"not json at all", "not JSON"),
    (json.dumps({"version": "1.1", "articles": []}).encode(), '"data" list'),
    (json.dumps({"data": [{"title": "T", "paragraphs": [{"context": "abc"}]}]}).encode(), "paragraphs with a context"),
    (json.dumps({"data": [{"title": "T", "paragraphs": [{"context": "abc", "qas": [
        {"question": "q?", "answers": [{"text": "zzz", "answer_start": 0}]}]}]}]}).encode(), "not at their answer_start"),
])
def test_squad_shape_checked(monkeypatch, mirror, content, why):
    # The registered checksum matches (the file is "the registered file") but it is not SQuAD.
    _mirror_squad(monkeypatch, mirror, content, _squad_json(1))
    with pytest.raises(data.DataUnavailable, match=f"not a SQuAD v1.1 file.*{why}"):
        data.load_squad()


def test_squad_missing_names_official_url(isolated_env, net):
    message = data.availability("squad", download_missing=False)
    assert message and "train-v1.1.json is not available" in message
    assert "https://rajpurkar.github.io/SQuAD-explorer/dataset/train-v1.1.json" in message
    assert net.calls == []


# --------------------------------------------------------------------------- SQuAD: the offline subset


def _xquad_json(n_articles: int = 10, paragraphs: int = 2, questions: int = 3) -> bytes:
    """A tiny XQuAD-like file (SQuAD layout, one answer per question); article a has
    ``paragraphs`` paragraphs of ``questions`` questions each, except article 3, which has one more."""
    articles = []
    for a in range(n_articles):
        paras = []
        for p in range(paragraphs + (a == 3)):
            words = [f"w{a}x{p}x{k}" for k in range(questions)]
            context = f"Article {a} paragraph {p} names " + ", ".join(words) + "."
            qas = [{"id": f"{a}.{p}.{k}", "question": f"Which is word {k} of {a}.{p}?",
                    "answers": [{"text": word, "answer_start": context.index(word)}]} for k, word in enumerate(words)]
            paras.append({"context": context, "qas": qas})
        articles.append({"title": f"Article_{a}", "paragraphs": paras})
    return json.dumps({"version": "1.1", "data": articles}).encode()


def _squad_with_subset(monkeypatch, mirror, content: bytes, fast_sizes=(2000, 500)) -> None:
    real = data.REGISTRY["squad"]
    subset = registry.RemoteFile("xquad.en.json", (), hashlib.sha256(content).hexdigest())
    monkeypatch.setitem(data.REGISTRY, "squad", dataclasses.replace(real, subset=subset, fast_sizes=fast_sizes))
    (mirror / "squad").mkdir()
    (mirror / "squad" / "xquad.en.json").write_bytes(content)


def test_squad_subset_is_split_by_article(monkeypatch, mirror, net, capsys):
    _squad_with_subset(monkeypatch, mirror, _xquad_json())

    (contexts, questions, answers, starts), (test_contexts, test_questions, _, test_starts) = data.load_squad()

    # Articles 4 and 9 (the 5th and 10th) are the test side: 2 x 6 questions; the other 8 train (one has 9).
    assert len(questions) == 7 * 6 + 9 and len(test_questions) == 2 * 6
    assert {q.split()[-1].split(".")[0] for q in test_questions} == {"4", "9"}
    assert not set(contexts) & set(test_contexts), "no paragraph on both sides"
    for context, answer, start in zip(contexts, answers, starts):
        assert context[start:start + len(answer)] == answer
    assert starts.dtype == test_starts.dtype == np.int64
    out = capsys.readouterr().out
    assert "OFFLINE SUBSET xquad.en.json from mirror" in out and "SOURCE.md" in out
    assert "51 train / 12 test questions (8 / 2 articles)" in out
    assert net.calls == [], "the subset is used before any download of the official files"
    again = data.load_squad()
    assert again[0][1] == questions and again[1][1] == test_questions, "the split is deterministic"


def test_squad_subset_fast_mode(monkeypatch, mirror, capsys):
    _squad_with_subset(monkeypatch, mirror, _xquad_json(), fast_sizes=(5, 4))
    monkeypatch.setenv("GDL_FAST", "1")
    train, test = data.load_squad()
    assert [len(part) for part in train] == [5] * 4 and [len(part) for part in test] == [4] * 4
    assert "fast mode: 5 / 4" in capsys.readouterr().out


def test_squad_official_files_preferred_over_the_subset(monkeypatch, mirror, capsys):
    _squad_with_subset(monkeypatch, mirror, _xquad_json())
    real = data.REGISTRY["squad"]
    train, dev = _squad_json(3, 2), _squad_json(2, 2)
    files = tuple(registry.RemoteFile(f.name, (), hashlib.sha256(c).hexdigest()) for f, c in zip(real.files, (train, dev)))
    monkeypatch.setitem(data.REGISTRY, "squad", dataclasses.replace(real, files=files))
    (mirror / "squad" / "train-v1.1.json").write_bytes(train)
    (mirror / "squad" / "dev-v1.1.json").write_bytes(dev)

    data.load_squad()

    out = capsys.readouterr().out
    assert "official data from mirror" in out and "OFFLINE SUBSET" not in out


def test_squad_registers_the_xquad_subset():
    subset = data.REGISTRY["squad"].subset
    assert subset.name == "xquad.en.json" and subset.size == 609_383
    assert subset.sha256 == "e4c57d1c9143aaa1c5d265ba5987a65f4e69528d2a98f29d6e75019b10344f29"


def test_real_squad_subset(real_mirror, net, capsys):
    (contexts, questions, _, _), (test_contexts, test_questions, _, _) = data.load_squad()
    out = capsys.readouterr().out
    assert "OFFLINE SUBSET xquad.en.json" in out
    assert len(questions) + len(test_questions) == 1190
    assert 0.15 < len(test_questions) / 1190 < 0.25
    assert not set(contexts) & set(test_contexts)
    assert net.calls == []


# --------------------------------------------------------------------------- GloVe


def _glove_lines(n_words: int, dim: int, seed: int = 0) -> tuple[list[str], np.ndarray, str]:
    rng = np.random.default_rng(seed)
    words = ["the", ",", "."] + [f"word{i}" for i in range(n_words - 3)]
    vectors = rng.normal(size=(n_words, dim)).astype(np.float32)
    text = "".join(w + " " + " ".join(repr(float(v)) for v in row) + "\n" for w, row in zip(words, vectors))
    return words, vectors, text


def _glove_zip(dims=(50, 100)) -> tuple[bytes, dict]:
    buffer, truth = io.BytesIO(), {}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for dim in dims:
            words, vectors, text = _glove_lines(30, dim, seed=dim)
            zf.writestr(f"glove.6B.{dim}d.txt", text)
            truth[dim] = words, vectors
    return buffer.getvalue(), truth


def _fake_glove(monkeypatch, official: bytes | None = None, subset: bytes | None = None):
    real = data.REGISTRY["glove"]
    files = real.files if official is None else (
        registry.RemoteFile("glove.6B.zip", ("https://primary.invalid/glove.6B.zip",), hashlib.sha256(official).hexdigest()),)
    sub = real.subset if subset is None else registry.RemoteFile(real.subset.name, (), hashlib.sha256(subset).hexdigest())
    monkeypatch.setitem(data.REGISTRY, "glove", dataclasses.replace(real, files=files, subset=sub))


def test_glove_registered_with_official_zip_and_subset():
    glove = data.REGISTRY["glove"]
    (file,) = glove.files
    assert file.name == "glove.6B.zip" and file.urls[0] == "https://nlp.stanford.edu/data/glove.6B.zip"
    assert len(file.urls) >= 2, "with fallbacks"
    assert file.sha256 == "617afb2fe6cbd085c235baf7a465b96f4112bd7f7ccb2b2cbd649fed9cbcf2fb"
    assert file.md5 == "056ea991adb4740ac6bf1b6d9b50408b" and file.size == 862_182_613
    assert glove.subset.name == "glove.6B.50d.top20k.txt"


def test_glove_reads_one_member_of_the_zip(monkeypatch, isolated_env, net, capsys):
    content, truth = _glove_zip()
    _fake_glove(monkeypatch, official=content)
    (isolated_env["cache"] / "glove").mkdir(parents=True)
    (isolated_env["cache"] / "glove" / "glove.6B.zip").write_bytes(content)

    words, vectors = data.load_glove(dim=100)

    assert words == truth[100][0]
    assert vectors.dtype == np.float32 and vectors.shape == (30, 100)
    np.testing.assert_array_equal(vectors, truth[100][1])
    assert "official data, glove.6B.100d.txt from cache, 30 words x 100 dimensions" in capsys.readouterr().out
    assert list((isolated_env["cache"] / "glove").iterdir()) == [isolated_env["cache"] / "glove" / "glove.6B.zip"], \
        "nothing is unpacked"
    words, vectors = data.load_glove(dim=50, max_words=7)
    assert words == truth[50][0][:7] and vectors.shape == (7, 50)
    with pytest.raises(data.DataUnavailable, match="no readable glove.6B.200d.txt"):
        data.load_glove(dim=200)
    with pytest.raises(ValueError, match="not dim=64"):
        data.load_glove(dim=64)


def test_glove_subset_serves_50d_only(monkeypatch, mirror, net, capsys):
    words, vectors, text = _glove_lines(25, 50)
    _fake_glove(monkeypatch, subset=text.encode())
    (mirror / "glove").mkdir()
    (mirror / "glove" / "glove.6B.50d.top20k.txt").write_text(text)

    got_words, got_vectors = data.load_glove()

    assert got_words == words
    np.testing.assert_array_equal(got_vectors, vectors)
    assert "OFFLINE SUBSET glove.6B.50d.top20k.txt" in capsys.readouterr().out
    with pytest.raises(data.DataUnavailable, match="50-d vectors only; dim=300 needs the official glove.6B.zip"):
        data.load_glove(dim=300)
    assert net.calls == []


@pytest.mark.parametrize("bad, why", [("word 1.0 2.0\n", "line 2 is not a word and 3 numbers"),
                                      ("word 1.0 x 2.0\n", "not a number"),
                                      ("", "no word vectors")])
def test_glove_reader_refuses_malformed_lines(bad, why):
    lines = ["first 0.1 0.2 0.3\n", bad] if bad else []
    with pytest.raises(data.DataUnavailable, match=why):
        text.read_glove(lines, 3, "toy.txt")


def test_real_glove_subset(real_mirror, net):
    words, vectors = data.load_glove()
    assert len(words) == 20_000 and vectors.shape == (20_000, 50) and vectors.dtype == np.float32
    assert words[:3] == ["the", ",", "."]
    np.testing.assert_allclose(vectors[0, :3], [0.418, 0.24968, -0.41242])
    king, queen, man, woman = (vectors[words.index(w)] for w in ("king", "queen", "man", "woman"))
    guess = king - man + woman
    cosine = vectors @ guess / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(guess))
    assert words[int(np.argsort(-cosine)[1])] == "queen" or words[int(np.argmax(cosine))] == "queen"
    assert net.calls == []
