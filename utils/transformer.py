"""The transformer's parts as notebook 09_01 writes them (each checked there), reused by 09_02.

- ``positional_encoding``: the sine/cosine position vectors of Vaswani et al. (2017).
- ``scaled_dot_product_attention``: softmax(q k^T / sqrt(d_k) + mask) v, with its weights.
- ``causal_mask``: position t attends to positions 0..t only.
- ``MultiHeadSelfAttention``: multi-head self-attention with keras.ops, weights shaped as
  ``keras.layers.MultiHeadAttention``'s (``project``, attention, ``merge`` kept apart so a
  key-value cache can reuse them).
- ``DecoderBlock``: a pre-norm (GPT-2 style) decoder block.

tests/test_transformer.py checks that 09_01 and this file define them identically.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

def positional_encoding(length: int, depth: int) -> np.ndarray:
    """The transformer's sine/cosine position vectors, shape (length, depth): dimension 2i is
    sin(p / 10000^(2i/depth)) and 2i+1 the cosine of the same angle (Vaswani et al., 2017)."""
    positions = np.arange(length)[:, None]
    rates = 1.0 / 10000 ** (np.arange(0, depth, 2) / depth)
    angles = positions * rates[None, :]
    encoding = np.zeros((length, depth), dtype="float32")
    encoding[:, 0::2] = np.sin(angles)
    encoding[:, 1::2] = np.cos(angles[:, : depth // 2])
    return encoding

def scaled_dot_product_attention(q, k, v, mask=None):
    """softmax(q k^T / sqrt(d_k) + mask) v over the last two axes: q (..., Tq, d_k), k (..., Tk, d_k),
    v (..., Tk, d_v); mask (Tq, Tk) or broadcastable, True where attending is allowed.
    Returns (output (..., Tq, d_v), weights (..., Tq, Tk))."""
    d_k = ops.shape(q)[-1]
    scores = ops.matmul(q, ops.swapaxes(k, -1, -2)) / ops.sqrt(ops.cast(d_k, q.dtype))
    if mask is not None:
        scores = ops.where(mask, scores, ops.full_like(scores, -1e9))
    weights = ops.softmax(scores, axis=-1)
    return ops.matmul(weights, v), weights

def causal_mask(length: int):
    """(length, length) booleans, True on and below the diagonal: position t may attend to
    positions 0..t only."""
    return ops.tril(ops.ones((length, length), dtype="bool"))

@keras.saving.register_keras_serializable(package="gdl")
class MultiHeadSelfAttention(layers.Layer):
    """Self-attention with `num_heads` heads of size `key_dim`, written with keras.ops; weights
    shaped as keras.layers.MultiHeadAttention's (query/key/value kernels (d_model, heads, key_dim),
    output kernel (heads, key_dim, d_model)). `call(x, causal=True)` masks the future."""

    def __init__(self, num_heads, key_dim, **kwargs):
        super().__init__(**kwargs)
        self.num_heads, self.key_dim = num_heads, key_dim

    def build(self, input_shape):
        d_model, shape = input_shape[-1], (input_shape[-1], self.num_heads, self.key_dim)
        self.query_kernel = self.add_weight(shape=shape, initializer="glorot_uniform", name="query_kernel")
        self.query_bias = self.add_weight(shape=shape[1:], initializer="zeros", name="query_bias")
        self.key_kernel = self.add_weight(shape=shape, initializer="glorot_uniform", name="key_kernel")
        self.key_bias = self.add_weight(shape=shape[1:], initializer="zeros", name="key_bias")
        self.value_kernel = self.add_weight(shape=shape, initializer="glorot_uniform", name="value_kernel")
        self.value_bias = self.add_weight(shape=shape[1:], initializer="zeros", name="value_bias")
        self.output_kernel = self.add_weight(shape=(self.num_heads, self.key_dim, d_model),
                                             initializer="glorot_uniform", name="output_kernel")
        self.output_bias = self.add_weight(shape=(d_model,), initializer="zeros", name="output_bias")

    def project(self, x):
        """Queries, keys and values of every head: three tensors (batch, heads, time, key_dim)."""
        def one(kernel, bias):
            return ops.einsum("btd,dhk->bhtk", x, kernel) + ops.expand_dims(bias, 1)
        return (one(self.query_kernel, self.query_bias), one(self.key_kernel, self.key_bias),
                one(self.value_kernel, self.value_bias))

    def merge(self, heads):
        """The heads' outputs (batch, heads, time, key_dim) concatenated and projected to d_model."""
        return ops.einsum("bhtk,hkd->btd", heads, self.output_kernel) + self.output_bias

    def call(self, x, causal=False, return_attention_scores=False):
        q, k, v = self.project(x)
        mask = causal_mask(ops.shape(x)[1]) if causal else None
        heads, weights = scaled_dot_product_attention(q, k, v, mask)
        out = self.merge(heads)
        return (out, weights) if return_attention_scores else out

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim}

@keras.saving.register_keras_serializable(package="gdl")
class DecoderBlock(layers.Layer):
    """A pre-norm transformer decoder block (GPT-2 style): x + MHA(LN(x)) with a causal mask,
    then x + FFN(LN(x)), FFN = Dense(ff_dim, gelu) -> Dense(d_model), dropout after each."""

    def __init__(self, num_heads, key_dim, ff_dim, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.num_heads, self.key_dim, self.ff_dim, self.dropout = num_heads, key_dim, ff_dim, dropout
        self.norm1 = layers.LayerNormalization(epsilon=1e-5)
        self.attention = MultiHeadSelfAttention(num_heads, key_dim)
        self.norm2 = layers.LayerNormalization(epsilon=1e-5)
        self.ff_in = layers.Dense(ff_dim, activation="gelu")
        self.ff_drop = layers.Dropout(dropout)
        self.attention_drop = layers.Dropout(dropout)

    def build(self, input_shape):
        self.ff_out = layers.Dense(input_shape[-1])
        for layer in (self.norm1, self.attention, self.norm2):
            layer.build(input_shape)
        self.ff_in.build(input_shape)
        self.ff_out.build((*input_shape[:-1], self.ff_dim))

    def call(self, x, training=False):
        x = x + self.attention_drop(self.attention(self.norm1(x), causal=True), training=training)
        return x + self.ff_drop(self.ff_out(self.ff_in(self.norm2(x))), training=training)

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "ff_dim": self.ff_dim, "dropout": self.dropout}
