"""Text data sets (chapter 6): Aesop's Fables, Tiny Shakespeare, SQuAD v1.1, GloVe vectors.

The corpora load as one ``str`` (fast mode: a fixed prefix, ``fast_sizes[0]``
characters); SQuAD as ``(train, dev)`` lists of questions with their paragraphs and
answers; GloVe as a word list and a float32 matrix of their vectors.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np

from .. import settings
from .errors import DataUnavailable
from .fetch import Located, describe, locate
from .registry import REGISTRY, Dataset, RemoteFile, register

register(Dataset(
    name="aesop",
    title="Aesop's Fables (Project Gutenberg EBook #11339)",
    homepage="https://www.gutenberg.org/ebooks/11339",
    files=(RemoteFile(
        "pg11339.txt",
        # The 2004 file; Gutenberg's current pg11339.txt may differ in header and line endings,
        # so it is tried only after the exact copy on GitHub (the SHA-256 decides).
        ("https://raw.githubusercontent.com/gbalfa/IA-TextoSintetico/"
         "7a3de69f2aaf12ed62308b769c88c57c685babcf/data/aesop/data.txt",
         "https://www.gutenberg.org/cache/epub/11339/pg11339.txt"),
        "4cbd6d027830d7c03414973a60dbf04aa784612f3f848c773037caa1b6f18a55",
        size=236_676,
    ),),
    fast_sizes=(50_000, 0),
))

register(Dataset(
    name="shakespeare",
    title="Tiny Shakespeare (char-rnn input.txt)",
    homepage="https://github.com/karpathy/char-rnn",
    files=(RemoteFile(
        "input.txt",
        ("https://raw.githubusercontent.com/karpathy/char-rnn/"
         "6f9487a6fe5b420b7ca9afb0d7c078e37c1d1b4e/data/tinyshakespeare/input.txt",
         "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"),
        "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
        size=1_115_394,
    ),),
    fast_sizes=(100_000, 0),
))


def strip_gutenberg(text: str, source: str = "text") -> str:
    """The body of a Project Gutenberg e-book: what lies between its "*** START OF" and
    "*** END OF" lines (both lines excluded). Raises DataUnavailable if either is missing."""
    start, end = text.find("*** START OF"), text.find("*** END OF")
    if start < 0 or end < 0 or end < start:
        raise DataUnavailable(f"{source}: no Project Gutenberg '*** START OF' / '*** END OF' markers "
                              "found, so the header and licence cannot be stripped (not the registered file?)")
    body = text[text.index("\n", start) + 1:end]
    body = body.replace("\r\n", "\n")
    tail = body.rfind("End of the Project Gutenberg")  # the closing line just before "*** END OF"
    if tail >= 0:
        body = body[:tail]
    return body.strip() + "\n"


def _finish_text(dataset: Dataset, located: Located, text: str) -> str:
    message = f"{dataset.title}: {describe(located)} from {located.where}, {len(text):,} characters"
    if settings.is_fast():
        text = text[:dataset.fast_sizes[0]]
        message += f" -> fast mode: the first {len(text):,}"
    print(message)
    return text


def load_aesop() -> str:
    """Aesop's Fables (V. S. Vernon Jones's translation) as one string, without the Project
    Gutenberg header, footer and licence. It still holds the introduction, the contents
    and the list of illustrations around the fables. Fast mode: its first 50,000 characters."""
    dataset = REGISTRY["aesop"]
    located = locate("aesop")
    path = located.paths["pg11339.txt"]
    text = strip_gutenberg(path.read_text(encoding="utf-8"), str(path))
    return _finish_text(dataset, located, text)


def load_tiny_shakespeare() -> str:
    """Tiny Shakespeare (Karpathy's char-rnn ``input.txt``, 1,115,394 characters) as one
    string. Fast mode: its first 100,000 characters."""
    dataset = REGISTRY["shakespeare"]
    located = locate("shakespeare")
    return _finish_text(dataset, located, located.paths["input.txt"].read_text(encoding="utf-8"))


# SQuAD v1.1 (Rajpurkar et al. 2016): questions written by crowd workers about Wikipedia
# paragraphs, each answered by a span of its paragraph. Sizes and SHA-256s as recorded by
# TensorFlow Datasets (tensorflow_datasets/url_checksums/squad.txt; the same SHA-256s are in
# ParlAI's tasks/squad/build.py). Fallback: the same files in the site's GitHub repository at
# a pinned commit (the SHA-256 decides).
_SQUAD_OFFICIAL = "https://rajpurkar.github.io/SQuAD-explorer/dataset/"
_SQUAD_GITHUB = ("https://raw.githubusercontent.com/rajpurkar/SQuAD-explorer/"
                 "eee5fdbf62f8613a7812b03419e6b29617b74fd1/dataset/")

register(Dataset(
    name="squad",
    title="SQuAD v1.1 (Stanford Question Answering Dataset)",
    homepage="https://rajpurkar.github.io/SQuAD-explorer/",
    files=tuple(
        RemoteFile(file_name, (_SQUAD_OFFICIAL + file_name, _SQUAD_GITHUB + file_name), sha, size=size)
        for file_name, size, sha in [
            ("train-v1.1.json", 30_288_272, "3527663986b8295af4f7fcdff1ba1ff3f72d07d61a20f487cb238a6ef92fd955"),
            ("dev-v1.1.json", 4_854_279, "95aa6a52d5d6a735563366753ca50492a658031da74f301ac5238b03966972c9"),
        ]
    ),
    # XQuAD's English file: 1,190 questions of the SQuAD v1.1 dev set, in SQuAD's layout
    # (google-deepmind/xquad; see the mirror's squad/SOURCE.md). Served when the official
    # files cannot be had, split by article into train and test (see load_squad).
    subset=RemoteFile("xquad.en.json", (), "e4c57d1c9143aaa1c5d265ba5987a65f4e69528d2a98f29d6e75019b10344f29",
                      size=609_383),
    fast_sizes=(2000, 500),  # questions
))

SquadSplit = tuple[list[str], list[str], list[str], np.ndarray]


def _parse_squad(path: Path) -> tuple[SquadSplit, np.ndarray]:
    """:func:`read_squad`, and for each question the index of its article in the file."""
    path = Path(path)

    def bad(why: str) -> DataUnavailable:
        return DataUnavailable(f"{path} is not a SQuAD v1.1 file: {why}")

    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise bad(f"not JSON ({type(err).__name__}: {err})") from err
    if not isinstance(raw, dict) or not isinstance(raw.get("data"), list):
        raise bad('no "data" list of articles at the top level')
    contexts, questions, answers, starts, articles = [], [], [], [], []
    misplaced = 0
    try:
        for a, article in enumerate(raw["data"]):
            for paragraph in article["paragraphs"]:
                context = paragraph["context"]
                if not isinstance(context, str):
                    raise TypeError("a context is not a string")
                for qa in paragraph["qas"]:
                    if not qa["answers"]:
                        continue
                    answer = qa["answers"][0]
                    text, start = answer["text"], int(answer["answer_start"])
                    if context[start:start + len(text)] != text:
                        misplaced += 1
                        continue
                    contexts.append(context)
                    questions.append(str(qa["question"]))
                    answers.append(text)
                    starts.append(start)
                    articles.append(a)
    except (KeyError, TypeError, ValueError) as err:
        raise bad("articles must hold paragraphs with a context and questions with answers "
                  f"({type(err).__name__}: {err})") from None
    if misplaced > 0.01 * (len(questions) + misplaced):
        raise bad(f"{misplaced:,} of {len(questions) + misplaced:,} answers are not at their answer_start")
    if not questions:
        raise bad("it holds no answered questions")
    split = (contexts, questions, answers, np.array(starts, dtype=np.int64))
    return split, np.array(articles, dtype=np.int64)


def read_squad(path: Path) -> SquadSplit:
    """Parse one SQuAD v1.1 JSON file into ``(contexts, questions, answers, answer_starts)``.

    One entry per question, in the file's order: its paragraph (``contexts[i]``, the same
    ``str`` object for all questions of a paragraph), the question, its *first* answer and
    that answer's character offset in the paragraph (int64 array), so that
    ``contexts[i][answer_starts[i]:answer_starts[i] + len(answers[i])] == answers[i]``.
    Questions without an answer are left out. Raises DataUnavailable if the file is not
    SQuAD-shaped, or if more than 1% of the answers are not where their offset says (a
    handful of such answers would be dropped).
    """
    return _parse_squad(path)[0]


SUBSET_TEST_EVERY = 5  # XQuAD subset: every 5th article (the 5th, 10th, ...) is the test side


def _take(split: SquadSplit, rows: np.ndarray) -> SquadSplit:
    contexts, questions, answers, starts = split
    return [contexts[i] for i in rows], [questions[i] for i in rows], [answers[i] for i in rows], starts[rows]


def split_by_article(split: SquadSplit, articles: np.ndarray) -> tuple[SquadSplit, SquadSplit]:
    """Split questions into train and test by whole articles: every ``SUBSET_TEST_EVERY``-th
    article of the file (the 5th, 10th, ...) is test, the rest train; so no paragraph is on
    both sides. Deterministic; about 80% / 20% of the questions."""
    test = (articles % SUBSET_TEST_EVERY) == SUBSET_TEST_EVERY - 1
    return _take(split, np.flatnonzero(~test)), _take(split, np.flatnonzero(test))


def load_squad() -> tuple[SquadSplit, SquadSplit]:
    """SQuAD v1.1: ``(train, dev)``, each ``(contexts, questions, answers, answer_starts)``.

    One example per question (87,599 train / 10,570 dev): lists of ``str`` and an int64
    array of character offsets (see :func:`read_squad`; for dev, whose questions have up
    to three reference answers, the first one). There is no public test set; the dev set
    serves as the test set.

    Without the official files, the mirror's OFFLINE SUBSET ``xquad.en.json`` (XQuAD
    English: 1,190 questions of the SQuAD v1.1 dev set) is split by article (see
    :func:`split_by_article`): about 950 questions to train on and 240 to test on, no
    paragraph on both sides. Fast mode: the first 2,000 train and 500 dev questions.
    """
    dataset = REGISTRY["squad"]
    located = locate("squad")
    if located.kind == "subset":
        path = located.paths[dataset.subset.name]
        split, articles = _parse_squad(path)
        train, dev = split_by_article(split, articles)
        n_test_articles = len(set(articles[articles % SUBSET_TEST_EVERY == SUBSET_TEST_EVERY - 1].tolist()))
        message = (f"{dataset.title}: OFFLINE SUBSET {path.name} from {located.where} (XQuAD English: "
                   f"{len(split[1]):,} questions of the SQuAD v1.1 dev set; see the mirror's squad/SOURCE.md), "
                   f"split by article: {len(train[1]):,} train / {len(dev[1]):,} test questions "
                   f"({len(set(articles.tolist())) - n_test_articles} / {n_test_articles} articles)")
    else:
        train = read_squad(located.paths["train-v1.1.json"])
        dev = read_squad(located.paths["dev-v1.1.json"])
        message = (f"{dataset.title}: {describe(located)} from {located.where}, "
                   f"{len(train[1]):,} train / {len(dev[1]):,} dev questions")
    if settings.is_fast():
        n_train, n_dev = dataset.fast_sizes
        train = tuple(part[:n_train] for part in train)
        dev = tuple(part[:n_dev] for part in dev)
        message += f" -> fast mode: {len(train[1]):,} / {len(dev[1]):,}"
    print(message)
    return train, dev


# GloVe 6B (Pennington, Socher and Manning 2014): 400,000 lowercase words with 50-, 100-,
# 200- and 300-d vectors, one text file per size inside glove.6B.zip (862,182,613 bytes).
# Stanford publishes no checksum. The SHA-256 is the one JuliaText/Embeddings.jl registers
# for this file (src/glove.jl) and the Hugging Face LFS record of the copy in kcz358/glove
# (commit fc671f6...) states; the MD5 056ea991... is the one many download scripts check.
# Fallbacks: the Stanford server nlp.stanford.edu redirects to, the copy in Hugging Face's
# stanfordnlp/glove, and kcz358/glove's copy at a pinned commit (the SHA-256 decides).
# Offline: the mirror's documented subset, the first 20,000 lines (most frequent words)
# of glove.6B.50d.txt (see the mirror's glove/SOURCE.md).
GLOVE_DIMS = (50, 100, 200, 300)

register(Dataset(
    name="glove",
    title="GloVe 6B word vectors (Wikipedia 2014 + Gigaword 5)",
    homepage="https://nlp.stanford.edu/projects/glove/",
    files=(RemoteFile(
        "glove.6B.zip",
        ("https://nlp.stanford.edu/data/glove.6B.zip",
         "https://downloads.cs.stanford.edu/nlp/data/glove.6B.zip",
         "https://huggingface.co/stanfordnlp/glove/resolve/main/glove.6B.zip",
         "https://huggingface.co/kcz358/glove/resolve/fc671f626a92828aef148a010bc5abccd1239b0b/glove.6B.zip"),
        "617afb2fe6cbd085c235baf7a465b96f4112bd7f7ccb2b2cbd649fed9cbcf2fb",
        md5="056ea991adb4740ac6bf1b6d9b50408b", size=862_182_613,
    ),),
    subset=RemoteFile("glove.6B.50d.top20k.txt", (),
                      "29c5fdf48c18b35184f07c1912ef9476c1f47d8479458da8974c7f02c0a8f16a", size=8_549_823),
))


def read_glove(lines, dim: int, source: str, max_words: int | None = None) -> tuple[list[str], np.ndarray]:
    """Parse GloVe's text format (``word v1 ... v<dim>`` per line, space separated).

    ``lines`` is any iterable of text lines (a file, a zip member). Returns the words in
    file order and a float32 array (N, dim). Raises DataUnavailable, naming ``source``
    and the line, when a line does not hold a word and ``dim`` numbers.
    """
    words, rows, blocks = [], [], []

    def parse(rows: list[str]) -> np.ndarray:  # a block of lines at a time keeps memory small
        try:
            return np.array(" ".join(rows).split(" "), dtype=np.float32).reshape(len(rows), dim)
        except ValueError as err:
            raise DataUnavailable(f"{source}: a vector holds something that is not a number ({err})") from None

    for number, line in enumerate(lines, start=1):
        if max_words is not None and len(words) >= max_words:
            break
        word, _, values = line.rstrip("\n").partition(" ")
        if values.count(" ") != dim - 1:
            raise DataUnavailable(f"{source}: line {number:,} is not a word and {dim} numbers: {line[:60]!r}...")
        words.append(word)
        rows.append(values)
        if len(rows) == 10_000:
            blocks.append(parse(rows))
            rows = []
    if rows:
        blocks.append(parse(rows))
    if not words:
        raise DataUnavailable(f"{source}: no word vectors in it")
    return words, np.concatenate(blocks)


def load_glove(dim: int = 50, max_words: int | None = None) -> tuple[list[str], np.ndarray]:
    """GloVe 6B word vectors: ``(words, vectors)``, a list of N words (most frequent first)
    and a float32 array (N, dim). ``dim``: 50, 100, 200 or 300. ``max_words``: keep only
    the first (most frequent) words.

    From the official ``glove.6B.zip`` (822 MB) only the member ``glove.6B.<dim>d.txt``
    is read, streamed, without unpacking the archive (400,000 words). Offline, the
    mirror's OFFLINE SUBSET holds the 20,000 most frequent words with 50-d vectors only.
    Fast mode loads the same vectors.
    """
    if dim not in GLOVE_DIMS:
        raise ValueError(f"GloVe 6B has {', '.join(map(str, GLOVE_DIMS))}-d vectors, not dim={dim}")
    dataset = REGISTRY["glove"]
    located = locate("glove")
    if located.kind == "subset":
        path = located.paths[dataset.subset.name]
        if dim != 50:
            raise DataUnavailable(f"{dataset.title}: the offline subset {path.name} holds 50-d vectors only; "
                                  f"dim={dim} needs the official glove.6B.zip from {dataset.files[0].urls[0]} "
                                  "(put it in the data cache or the mirror).")
        with open(path, encoding="utf-8") as lines:
            words, vectors = read_glove(lines, dim, str(path), max_words)
        what = f"OFFLINE SUBSET {path.name} (the 20,000 most frequent words; see the mirror's glove/SOURCE.md)"
    else:
        archive, member = located.paths["glove.6B.zip"], f"glove.6B.{dim}d.txt"
        try:
            with zipfile.ZipFile(archive) as zf, zf.open(member) as raw:
                words, vectors = read_glove(io.TextIOWrapper(raw, encoding="utf-8"), dim, f"{archive}:{member}", max_words)
        except (zipfile.BadZipFile, KeyError, EOFError) as err:
            raise DataUnavailable(f"{archive} has no readable {member}: {type(err).__name__}: {err}") from err
        what = f"{describe(located)}, {member}"
    print(f"{dataset.title}: {what} from {located.where}, {len(words):,} words x {dim} dimensions")
    return words, vectors
