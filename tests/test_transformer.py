"""utils.transformer: the parts 09_01 writes (and checks against Keras), saved for 09_02."""

from pathlib import Path

import keras
import numpy as np
import pytest
from keras import layers, ops

from utils.transformer import (DecoderBlock, MultiHeadSelfAttention, causal_mask, positional_encoding,
                               scaled_dot_product_attention)
from saved_code import assert_notebook_saves

ROOT = Path(__file__).resolve().parents[1]
SAVED_FROM_09_01 = ["positional_encoding", "scaled_dot_product_attention", "causal_mask",
                    "MultiHeadSelfAttention", "DecoderBlock"]


def test_09_01_writes_exactly_what_utils_transformer_saves():
    assert_notebook_saves("09_01_attention_from_scratch", "transformer", SAVED_FROM_09_01,
                          "# saved in utils.transformer")


def test_positional_encoding_values_and_distance_property():
    pe = positional_encoding(50, 16)
    assert pe.shape == (50, 16)
    np.testing.assert_allclose(pe[0, 0::2], 0, atol=1e-7)   # sin(0)
    np.testing.assert_allclose(pe[0, 1::2], 1, atol=1e-7)   # cos(0)
    np.testing.assert_allclose(pe[3, 0], np.sin(3), rtol=1e-6)
    assert pe[5] @ pe[12] == pytest.approx(pe[30] @ pe[37], rel=1e-5)


def test_attention_weights_are_a_softmax_and_the_mask_zeroes_the_future():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 5, 4)).astype("float32")
    out, weights = scaled_dot_product_attention(x, x, x, mask=causal_mask(5))
    weights = ops.convert_to_numpy(weights)
    np.testing.assert_allclose(weights.sum(-1), 1, rtol=1e-5)
    assert np.abs(np.triu(weights, 1)).max() == 0
    np.testing.assert_allclose(ops.convert_to_numpy(out)[:, 0], x[:, 0], rtol=1e-5)  # first token sees itself only


def test_equal_to_keras_multi_head_attention_with_the_same_weights():
    x = keras.random.normal((2, 7, 16), seed=3)
    ours, reference = MultiHeadSelfAttention(4, 4), layers.MultiHeadAttention(num_heads=4, key_dim=4)
    ours(x)
    reference(x, x)
    ours.set_weights(reference.get_weights())
    for causal in (False, True):
        mine = ours(x, causal=causal)
        theirs = reference(x, x, use_causal_mask=causal)
        assert float(ops.max(ops.abs(mine - theirs))) < 1e-5


def test_decoder_block_is_causal_and_keeps_the_shape():
    block = DecoderBlock(num_heads=2, key_dim=4, ff_dim=32)
    x = np.random.default_rng(1).normal(size=(1, 6, 8)).astype("float32")
    y = ops.convert_to_numpy(block(x))
    changed = x.copy()
    changed[0, -1] += 1.0
    z = ops.convert_to_numpy(block(changed))
    assert y.shape == x.shape
    assert np.abs(y[0, :-1] - z[0, :-1]).max() == 0
    assert np.abs(y[0, -1] - z[0, -1]).max() > 1e-3


def test_decoder_block_saves_and_loads(tmp_path):
    inputs = keras.Input((6, 8))
    model = keras.Model(inputs, DecoderBlock(num_heads=2, key_dim=4, ff_dim=16, dropout=0.1)(inputs))
    path = tmp_path / "block.keras"
    model.save(path)
    again = keras.saving.load_model(path)
    x = np.random.default_rng(2).normal(size=(2, 6, 8)).astype("float32")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
