"""The concise recurrent network of a textbook chapter (in the style of Dive into Deep
Learning's "Concise Implementation of Recurrent Neural Networks"): nn.RNN/GRU/LSTM over
one-hot inputs, a hand-written gradient clipping that scales param.grad[:] in place, SGD,
CrossEntropyLoss and perplexity, and prediction by argmax. PyTorch code, unchanged but
for the imports, which the test renames."""
import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


class RNNModel(nn.Module):
    def __init__(self, rnn_layer, vocab_size, **kwargs):
        super(RNNModel, self).__init__(**kwargs)
        self.rnn = rnn_layer
        self.vocab_size = vocab_size
        self.num_hiddens = self.rnn.hidden_size
        self.num_directions = 2 if self.rnn.bidirectional else 1
        self.linear = nn.Linear(self.num_hiddens * self.num_directions, self.vocab_size)

    def forward(self, inputs, state):
        X = F.one_hot(inputs.T.long(), self.vocab_size)
        X = X.to(torch.float32)
        Y, state = self.rnn(X, state)
        output = self.linear(Y.reshape((-1, Y.shape[-1])))
        return output, state

    def begin_state(self, device, batch_size=1):
        if not isinstance(self.rnn, nn.LSTM):
            return torch.zeros((self.num_directions * self.rnn.num_layers, batch_size,
                                self.num_hiddens), device=device)
        return (torch.zeros((self.num_directions * self.rnn.num_layers, batch_size,
                             self.num_hiddens), device=device),
                torch.zeros((self.num_directions * self.rnn.num_layers, batch_size,
                             self.num_hiddens), device=device))


def grad_clipping(net, theta):
    params = [p for p in net.parameters() if p.requires_grad]
    norm = torch.sqrt(sum(torch.sum((p.grad ** 2)) for p in params))
    if norm > theta:
        for param in params:
            param.grad[:] *= theta / norm


def seq_data_iter_sequential(corpus, batch_size, num_steps):
    offset = 0
    num_tokens = ((len(corpus) - offset - 1) // batch_size) * batch_size
    Xs = torch.tensor(corpus[offset: offset + num_tokens])
    Ys = torch.tensor(corpus[offset + 1: offset + 1 + num_tokens])
    Xs, Ys = Xs.reshape(batch_size, -1), Ys.reshape(batch_size, -1)
    num_batches = Xs.shape[1] // num_steps
    for i in range(0, num_steps * num_batches, num_steps):
        yield Xs[:, i: i + num_steps], Ys[:, i: i + num_steps]


def predict(prefix, num_preds, net, device):
    state = net.begin_state(batch_size=1, device=device)
    outputs = [prefix[0]]
    get_input = lambda: torch.tensor([outputs[-1]], device=device).reshape((1, 1))  # noqa
    for y in prefix[1:]:
        _, state = net(get_input(), state)
        outputs.append(y)
    for _ in range(num_preds):
        y, state = net(get_input(), state)
        outputs.append(int(y.argmax(dim=1).reshape(1)))
    return outputs


def main(layer="RNN"):
    torch.manual_seed(0)
    device = torch.device("cpu")
    rng = np.random.default_rng(0)
    vocab_size, num_hiddens, batch_size, num_steps = 12, 32, 4, 8
    corpus = [int(t) for t in np.tile(rng.permutation(vocab_size), 30)]  # a repeating text
    net = RNNModel(getattr(nn, layer)(vocab_size, num_hiddens), vocab_size=vocab_size)
    net = net.to(device)
    with torch.no_grad():
        for name, p in net.named_parameters():
            p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape)) * 0.1).float())
    loss = nn.CrossEntropyLoss()
    updater = torch.optim.SGD(net.parameters(), 1.0)
    perplexities = []
    for epoch in range(6):
        state, total, count = None, 0.0, 0
        for X, Y in seq_data_iter_sequential(corpus, batch_size, num_steps):
            if state is None:
                state = net.begin_state(batch_size=X.shape[0], device=device)
            else:
                state = state.detach_() if not isinstance(state, tuple) else tuple(
                    s.detach_() for s in state)
            y = Y.T.reshape(-1)
            y_hat, state = net(X, state)
            l = loss(y_hat, y.long()).mean()
            updater.zero_grad()
            l.backward()
            grad_clipping(net, 1)
            updater.step()
            total += l.item() * y.numel()
            count += y.numel()
        perplexities.append(math.exp(total / count))
    print(f"perplexity {perplexities[0]:.4f} -> {perplexities[-1]:.4f}")
    print("predicted", predict(corpus[:3], 6, net, device))
    return perplexities


if __name__ == "__main__":
    main()
