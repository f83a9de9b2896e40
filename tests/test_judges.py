"""utils.judges: the course's judge is trained once, saved whole, reused, and prints its base rates."""

import numpy as np
import pytest

from utils import judges


def _fake_fashion(n_per_class=30, seed=0, n_test_per_class=10):
    """Ten easy classes: class c lights up row block c of a 28x28 image."""
    rng = np.random.default_rng(seed)

    def make(n):
        y = np.repeat(np.arange(10), n)
        x = rng.integers(0, 40, size=(len(y), 28, 28)).astype("uint8")
        for i, c in enumerate(y):
            x[i, 2 * c + 3: 2 * c + 6] = 250
        return x, y

    return make(n_per_class), make(n_test_per_class)


@pytest.fixture
def fake_data(monkeypatch, tmp_path):
    monkeypatch.setenv("GDL_RUN_DIR", str(tmp_path / "run"))
    monkeypatch.setenv("GDL_FAST", "1")
    calls = []

    def load():
        calls.append(1)
        return _fake_fashion()

    monkeypatch.setattr(judges.data, "load_fashion_mnist", load)
    return tmp_path / "run" / "judges", calls


def test_judge_is_trained_once_then_loaded(fake_data, capsys):
    folder, calls = fake_data
    first = judges.fashion_mnist_judge()
    assert (folder / "fashion_mnist_fast.keras").exists() and (folder / "fashion_mnist_fast.json").exists()
    assert len(first.report["accuracy_per_class"]) == 10
    assert "per class" in capsys.readouterr().out
    second = judges.fashion_mnist_judge()
    assert len(calls) == 1, "the second call must load the saved judge, not train again"
    assert "loaded from run/judges/fashion_mnist_fast.keras" in capsys.readouterr().out
    x = np.zeros((3, 28, 28, 1), "float32")
    np.testing.assert_allclose(first.predict(x, verbose=0), second.predict(x, verbose=0), atol=1e-6)


def test_a_judge_without_its_report_is_trained_again(fake_data):
    folder, calls = fake_data
    judges.fashion_mnist_judge()
    (folder / "fashion_mnist_fast.json").unlink()  # as if interrupted between the two writes
    judges.fashion_mnist_judge()
    assert len(calls) == 2


def test_domain_judge_tells_two_easy_domains_apart(capsys):
    rng = np.random.default_rng(1)
    dark = rng.uniform(0.0, 0.3, (80, 8, 8, 1)).astype("float32")
    bright = rng.uniform(0.7, 1.0, (80, 8, 8, 1)).astype("float32")
    judge = judges.domain_judge(dark[:60], bright[:60], dark[60:], bright[60:], names=("dark", "bright"), epochs=20)
    assert judge.report["test_accuracy"] >= 0.9
    assert set(judge.report["accuracy_per_class"]) == {"dark", "bright"}
    assert "dark-vs-bright" in capsys.readouterr().out


def test_score_fashion_images_tells_real_from_noise_and_checks_input(fake_data, monkeypatch):
    (x_train, y_train), (x_test, y_test) = _fake_fashion(n_test_per_class=60)  # 300 reference images > 128
    order = np.random.default_rng(2).permutation(len(y_test))                 # both halves hold every class
    fake = (x_train, y_train), (x_test[order], y_test[order])
    monkeypatch.setattr(judges.data, "load_fashion_mnist", lambda: fake)
    (_, _), (x_test, y_test) = fake
    real = x_test[: len(x_test) // 2, ..., None].astype("float32") / 255.0
    rng = np.random.default_rng(3)
    noise = rng.uniform(0, 0.15, real.shape).astype("float32")  # no bright band: no class
    judge = judges.fashion_mnist_judge()
    real_scores = judges.score_fashion_images(real, labels=y_test[: len(real)], judge=judge)
    noise_scores = judges.score_fashion_images(noise, judge=judge)
    assert real_scores["n"] == len(real) and len(real_scores["shares"]) == 10
    assert real_scores["frechet"] == pytest.approx(real_scores["frechet_real_floor"])  # the same images
    assert noise_scores["frechet"] > 20 * real_scores["frechet"]
    assert real_scores["class_entropy_bits"] > noise_scores["class_entropy_bits"]
    assert real_scores["class_fidelity"] > 0.8 and "class_fidelity" not in noise_scores
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        judges.score_fashion_images(real * 2 - 1, judge=judge)
    with pytest.raises(ValueError, match="shape"):
        judges.score_fashion_images(np.zeros((4, 32, 32, 3), "float32"), judge=judge)
    entry = judges.comparison_entry("real", real_scores, train_seconds=0, sample_seconds_per_image=0)
    assert entry["frechet"] == real_scores["frechet"] and entry["nll_bits_per_dim"] is None


def _fake_cifar(seed=0, per_class=10, horses=50, test_classes=range(10)):
    """CIFAR-10-shaped images with 5x more horses (label 7) in train, like the course's subset:
    class c lights up row block c; the test set holds 4 images of each of ``test_classes``."""
    rng = np.random.default_rng(seed)

    def make(y):
        x = rng.integers(0, 40, size=(len(y), 32, 32, 3)).astype("uint8")
        for i, c in enumerate(y):
            x[i, 3 * c + 1: 3 * c + 4] = 250
        return x, y

    y_train = np.concatenate([np.full(horses if c == 7 else per_class, c) for c in range(10)])
    return make(y_train), make(np.repeat(np.array(list(test_classes)), 4))


@pytest.fixture
def fake_cifar(monkeypatch, tmp_path):
    monkeypatch.setenv("GDL_RUN_DIR", str(tmp_path / "run"))
    monkeypatch.setenv("GDL_FAST", "1")
    calls = []

    def load():
        calls.append(1)
        return _fake_cifar(test_classes=range(8))  # two classes missing from the test images, as in fast mode

    monkeypatch.setattr(judges.data, "load_cifar10", load)
    return tmp_path / "run" / "judges", calls


def test_cifar10_judge_is_trained_once_class_balanced_then_loaded(fake_cifar, capsys):
    folder, calls = fake_cifar
    first = judges.cifar10_judge()
    printed = capsys.readouterr().out
    assert (folder / "cifar10_fast.keras").exists() and (folder / "cifar10_fast.json").exists()
    # 140 training images, 50 horses: a horse counts 140 / (10 * 50) = 0.28, any other image 1.40
    assert "horse 0.28" in printed and "airplane 1.40" in printed
    assert first.report["train_per_class"][7] == 50 and first.report["class_weight"] == "balanced"
    # recall only for the classes that have test images: no NaN for ship and truck
    assert list(first.report["accuracy_per_class"]) == list(judges.data.class_names("cifar10"))[:8]
    assert all(0.0 <= v <= 1.0 for v in first.report["accuracy_per_class"].values())
    assert "recall per class" in printed
    second = judges.cifar10_judge()
    assert len(calls) == 1, "the second call must load the saved judge, not train again"
    assert "loaded from run/judges/cifar10_fast.keras" in capsys.readouterr().out
    x = np.random.default_rng(4).uniform(0, 1, (3, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(first.predict(x, verbose=0), second.predict(x, verbose=0), atol=1e-6)
    assert first.get_layer("features").units == 128  # 04_02's feature layer, for the Fréchet distance


def test_cifar10_judge_without_its_report_is_trained_again(fake_cifar):
    folder, calls = fake_cifar
    judges.cifar10_judge()
    (folder / "cifar10_fast.json").unlink()
    judges.cifar10_judge()
    assert len(calls) == 2
