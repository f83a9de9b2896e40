"""utils.data text loaders (chapter 6): Gutenberg stripping, checksums, fast mode, the real mirror."""

from __future__ import annotations

import hashlib

import pytest

from utils import data

BOOK = (
    "The Project Gutenberg EBook of Toy Fables\n\nLicence words here.\n\n"
    "*** START OF THIS PROJECT GUTENBERG EBOOK TOY FABLES ***\n\n\n"
    "THE FOX AND THE GRAPES\n\nA hungry Fox saw some Grapes.\n" + "More fable text. " * 200 + "\n\n"
    "End of the Project Gutenberg EBook of Toy Fables\n\n"
    "*** END OF THIS PROJECT GUTENBERG EBOOK TOY FABLES ***\n\nFULL LICENSE: lots of legal text.\n"
)


def _fake_aesop(monkeypatch, content: bytes, fast_chars: int = 100) -> data.Dataset:
    real = data.REGISTRY["aesop"]
    fake = data.Dataset(
        name="aesop", title=real.title, homepage=real.homepage,
        files=(data.RemoteFile("pg11339.txt", ("https://primary.invalid/pg11339.txt",),
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
        data.strip_gutenberg("no markers at all")


def test_checksum_mismatch_rejected(monkeypatch, mirror, net):
    _fake_aesop(monkeypatch, BOOK.encode())
    (mirror / "aesop").mkdir()
    (mirror / "aesop" / "pg11339.txt").write_bytes(BOOK.replace("Fox", "Cat").encode())  # tampered copy

    with pytest.raises(data.ChecksumError, match="corrupt or truncated"):
        data.load_aesop()
    assert net.calls == [], "a bad local copy is refused, not silently replaced"


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

import json  # noqa: E402


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


def _fake_squad(monkeypatch, train: bytes, dev: bytes, fast_sizes=(3, 2)) -> data.Dataset:
    real = data.REGISTRY["squad"]
    fake = data.Dataset(
        name="squad", title=real.title, homepage=real.homepage,
        files=tuple(data.RemoteFile(f.name, (f"https://primary.invalid/{f.name}",), hashlib.sha256(content).hexdigest())
                    for f, content in zip(real.files, (train, dev))),
        fast_sizes=fast_sizes,
    )
    monkeypatch.setitem(data.REGISTRY, "squad", fake)
    return fake


def _mirror_squad(monkeypatch, mirror, train: bytes, dev: bytes, **kwargs) -> data.Dataset:
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
    assert net.calls == []


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
