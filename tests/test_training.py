"""utils.training.TimeLimit: training stops after the given seconds, and compiling does not count."""

import time

import keras
import numpy as np

from saved_code import assert_notebook_saves
from utils.training import TimeLimit


class SlowStep(keras.callbacks.Callback):
    """Makes every batch take `seconds` (the first one `first` seconds, as if compiling)."""

    def __init__(self, seconds, first):
        super().__init__()
        self.seconds, self.first = seconds, first

    def on_train_batch_end(self, batch, logs=None):
        time.sleep(self.first if batch == 0 and not hasattr(self, "seen") else self.seconds)
        self.seen = True


def _model():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_time_limit_stops_training_and_does_not_count_the_first_step():
    x, y = np.zeros((64, 2), "float32"), np.zeros((64, 1), "float32")
    limit = TimeLimit(0.5)
    started = time.time()
    # the slow step runs before TimeLimit looks at the clock (callbacks run in order)
    _model().fit(x, y, batch_size=8, epochs=1000, verbose=0, callbacks=[SlowStep(0.05, first=0.6), limit])
    elapsed = time.time() - started
    assert limit.compile_seconds >= 0.6, "the first (compiling) step is timed on its own"
    assert 0.5 <= time.time() - limit.start < 1.5, "training stops soon after the limit"
    assert 0.5 / 0.05 - 2 <= limit.steps <= 1.5 / 0.05, "the steps after the first are counted"
    assert elapsed < 5, "1000 epochs would take far longer: the limit stopped them"


def test_time_limit_lets_a_short_training_finish():
    x, y = np.zeros((16, 2), "float32"), np.zeros((16, 1), "float32")
    limit = TimeLimit(60)
    history = _model().fit(x, y, batch_size=8, epochs=3, verbose=0, callbacks=[limit])
    assert len(history.history["loss"]) == 3 and limit.steps == 3 * 2 - 1


def test_0902_writes_time_limit_as_utils_saves_it():
    assert_notebook_saves("09_02_char_gpt_shakespeare", "training", ["TimeLimit"])
