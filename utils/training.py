"""Training helpers that several notebooks use.

:class:`TimeLimit` was written in 09_02 (a GPT and an LSTM trained for the same wall-clock time)
and used again in 09_03 (a modern GAN beside a DCGAN): to compare two models fairly on one
machine, give each the same seconds of training, not the same number of epochs::

    limit = TimeLimit(600)
    model.fit(x, y, epochs=1_000_000, callbacks=[limit])
    print(limit.steps, "steps in", time.time() - limit.start, "s; compiling took", limit.compile_seconds)
"""

import time

import keras

__all__ = ["TimeLimit"]


class TimeLimit(keras.callbacks.Callback):
    """Stop training once `seconds` of wall-clock time have passed (checked after every batch).
    The clock starts after the first step, which also compiles the model: compiling is not training."""

    def __init__(self, seconds):
        super().__init__()
        self.seconds = seconds

    def on_train_begin(self, logs=None):
        self.start, self.steps, self.compile_seconds = time.time(), 0, None

    def on_train_batch_end(self, batch, logs=None):
        if self.compile_seconds is None:                     # the first step: compile + one step
            self.compile_seconds = time.time() - self.start
            self.start = time.time()
            return
        self.steps += 1
        if time.time() - self.start > self.seconds:
            self.model.stop_training = True
