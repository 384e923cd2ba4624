"""The RNN encoder and decoder (`encoder_type`/`decoder_type` rnn), after Sockeye's.

Encoder: a bidirectional first layer (half of `rnn_num_hidden` each way, hence an even size),
then unidirectional layers. Decoder: stacked LSTM/GRU layers whose first state comes from the
encoder (`rnn_decoder_state_init`), attention over the encoder states, and the context and the
top layer combined through tanh before the output layer.

The attention query is the decoder RNN's own output at each step (Luong et al.), not the
previous step's attentional state fed back into the input. Each RNN layer can then run over
the whole target in one call during training, much faster than a loop over time steps; beam
search runs the same layers one step at a time. With `rnn_attention_in_upper_layers` (and
more than one layer) the first layer's output is the query and the context is fed to every
upper layer, as in GNMT.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from trimtab.algorithms.seq2seq.attention import make_attention
from trimtab.algorithms.seq2seq.base import Decoder, Encoded, padding_mask
from trimtab.algorithms.seq2seq.hyperparameters import Hyperparameters
from trimtab.algorithms.seq2seq.options import CellType, StateInit


def _rnn(kind: CellType, size_in: int, size_out: int, bidirectional: bool = False) -> nn.RNNBase:
    cls = nn.LSTM if kind is CellType.LSTM else nn.GRU
    return cls(size_in, size_out, batch_first=True, bidirectional=bidirectional)


def _residual(hp: Hyperparameters, layer: int) -> bool:
    """Whether 1-based `layer` adds its input to its output. The first layer never does: its
    input is the embedding, of another size."""
    return hp.rnn_residual_connections and layer >= max(2, hp.rnn_first_residual_layer)


class RnnEncoder(nn.Module):
    def __init__(self, hp: Hyperparameters, vocab_size: int) -> None:
        super().__init__()
        hidden = hp.rnn_num_hidden
        self.embed = nn.Embedding(vocab_size, hp.num_embed_source)
        self.dropout = nn.Dropout(hp.embed_dropout_source)
        self.first = _rnn(hp.rnn_cell_type, hp.num_embed_source, hidden // 2, bidirectional=True)
        self.upper = nn.ModuleList(
            _rnn(hp.rnn_cell_type, hidden, hidden) for _ in range(hp.num_layers_encoder - 1)
        )
        self.residual = [_residual(hp, layer) for layer in range(2, hp.num_layers_encoder + 1)]
        self.output_size = hidden

    def forward(self, source: Tensor, lengths: Tensor) -> Encoded:
        x = self.dropout(self.embed(source))
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.first(packed)
        x, _ = pad_packed_sequence(out, batch_first=True, total_length=source.size(1))
        for layer, residual in zip(self.upper, self.residual, strict=True):
            y, _ = layer(x)
            x = y + x if residual else y
        return Encoded(x, x, padding_mask(lengths, source.size(1)), lengths)


class RnnDecoder(Decoder):
    """State: `[h]` (GRU) or `[h, c]` (LSTM), each (B, layers, hidden)."""

    def __init__(
        self, hp: Hyperparameters, vocab_size: int, source_size: int, value_size: int
    ) -> None:
        super().__init__()
        hidden, layers = hp.rnn_num_hidden, hp.num_layers_decoder
        self.hidden, self.num_layers = hidden, layers
        self.num_states = 2 if hp.rnn_cell_type is CellType.LSTM else 1
        self.embed = nn.Embedding(vocab_size, hp.num_embed_target)
        self.dropout = nn.Dropout(hp.embed_dropout_target)
        self.upper_attention = hp.rnn_attention_in_upper_layers and layers > 1
        upper_in = hidden + (value_size if self.upper_attention else 0)
        self.layers = nn.ModuleList(
            [_rnn(hp.rnn_cell_type, hp.num_embed_target, hidden)]
            + [_rnn(hp.rnn_cell_type, upper_in, hidden) for _ in range(layers - 1)]
        )
        self.residual = [_residual(hp, layer) for layer in range(1, layers + 1)]
        self.attention = make_attention(
            hp.rnn_attention_type, hidden, source_size, hp.attention_num_hidden
        )
        self.combine = nn.Linear(hidden + value_size, hidden)
        self.hidden_dropout = nn.Dropout(hp.rnn_decoder_hidden_dropout)
        self.output = nn.Linear(hidden, vocab_size)
        self.state_init = hp.rnn_decoder_state_init
        self.init_layers = nn.ModuleList(
            nn.Linear(source_size, hidden * self.num_states)
            for _ in range(0 if self.state_init is StateInit.ZERO else layers)
        )

    def prepare(self, encoded: Encoded) -> Encoded:
        return encoded.with_keys((self.attention.project_keys(encoded.states),))

    def start(self, encoded: Encoded) -> list[Tensor]:
        batch = encoded.states.size(0)
        if self.state_init is StateInit.ZERO:
            zeros = encoded.states.new_zeros(batch, self.num_layers, self.hidden)
            return [zeros] * self.num_states
        summary = encoded.last() if self.state_init is StateInit.LAST else encoded.mean()
        per_layer = torch.stack([torch.tanh(init(summary)) for init in self.init_layers], dim=1)
        return list(per_layer.chunk(self.num_states, dim=2))

    def forward(self, target: Tensor, encoded: Encoded) -> Tensor:
        encoded = encoded if encoded.keys else self.prepare(encoded)
        logits, _ = self._run(target, self.start(encoded), encoded)
        return logits

    def step(
        self, token: Tensor, state: list[Tensor], encoded: Encoded
    ) -> tuple[Tensor, list[Tensor]]:
        logits, state = self._run(token.unsqueeze(1), state, encoded)
        return logits.squeeze(1), state

    def _run(
        self, target: Tensor, state: list[Tensor], encoded: Encoded
    ) -> tuple[Tensor, list[Tensor]]:
        keys = encoded.keys[0]
        x = self.dropout(self.embed(target))
        context: Tensor | None = None
        finals: list[list[Tensor]] = [[] for _ in state]
        for index, layer in enumerate(self.layers):
            layer_state = tuple(s[:, index].unsqueeze(0).contiguous() for s in state)
            inputs = x if context is None or index == 0 else torch.cat([x, context], dim=2)
            y, final = layer(inputs, layer_state if self.num_states == 2 else layer_state[0])
            x = y + x if self.residual[index] else y
            if index == 0 and self.upper_attention:
                context = self.attention(x, encoded, keys)
            for kept, tensor in zip(
                finals, final if self.num_states == 2 else (final,), strict=True
            ):
                kept.append(tensor.squeeze(0))
        if context is None:
            context = self.attention(x, encoded, keys)
        hidden = self.hidden_dropout(torch.tanh(self.combine(torch.cat([x, context], dim=2))))
        logits: Tensor = self.output(hidden)
        return logits, [torch.stack(kept, dim=1) for kept in finals]
