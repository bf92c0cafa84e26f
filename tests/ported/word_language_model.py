"""A word-level language model in the style of PyTorch's examples (word_language_model):
an LSTM with tied embeddings, batchify/get_batch over a token stream, truncated BPTT
with repackage_hidden, and the hand-written SGD step. PyTorch code, unchanged but for
the imports, which the test renames."""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class RNNModel(nn.Module):
    def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.5, tie_weights=False):
        super(RNNModel, self).__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        if tie_weights:
            self.decoder.weight = self.encoder.weight
        self.init_weights()
        self.rnn_type, self.nhid, self.nlayers = rnn_type, nhid, nlayers

    def init_weights(self):
        initrange = 0.1
        nn.init.uniform_(self.encoder.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output)
        decoded = decoded.view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        if self.rnn_type == "LSTM":
            return (weight.new_zeros(self.nlayers, bsz, self.nhid),
                    weight.new_zeros(self.nlayers, bsz, self.nhid))
        return weight.new_zeros(self.nlayers, bsz, self.nhid)


def batchify(data, bsz, device):
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)
    data = data.view(bsz, -1).t().contiguous()
    return data.to(device)


def repackage_hidden(h):
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


def get_batch(source, i, bptt):
    seq_len = min(bptt, len(source) - 1 - i)
    data = source[i:i + seq_len]
    target = source[i + 1:i + 1 + seq_len].view(-1)
    return data, target


def main(rnn_type="LSTM", dropout=0.0, steps_per_epoch=None):
    torch.manual_seed(1111)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    rng = np.random.default_rng(0)
    ntokens = 30
    corpus = torch.tensor(np.tile(rng.permutation(ntokens), 70)).type(torch.int64)
    train_data = batchify(corpus, 10, device)
    model = RNNModel(rnn_type, ntokens, 16, 16, 2, dropout, tie_weights=True).to(device)
    with torch.no_grad():  # the same weights under both frameworks
        for name, p in model.named_parameters():
            p.copy_(torch.from_numpy(rng.uniform(-0.5, 0.5, tuple(p.shape))).float())
    criterion = nn.NLLLoss()
    lr, bptt, clip = 5.0, 12, 0.25
    losses = []
    for epoch in range(3):
        model.train()
        hidden = model.init_hidden(10)
        if hasattr(model.rnn, "flatten_parameters"):
            model.rnn.flatten_parameters()
        total_loss = 0.0
        for batch, i in enumerate(range(0, train_data.size(0) - 1, bptt)):
            data, targets = get_batch(train_data, i, bptt)
            model.zero_grad()
            hidden = repackage_hidden(hidden)
            output, hidden = model(data, hidden)
            loss = criterion(output, targets)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-lr)
            total_loss += loss.item()
        losses.append(total_loss / (batch + 1))
        print(f"epoch {epoch} | loss {losses[-1]:5.3f} | ppl {math.exp(losses[-1]):8.2f}")
    model.eval()
    with torch.no_grad():
        output, _ = model(train_data[:bptt], model.init_hidden(10))
        print(f"eval loss {criterion(output, train_data[1:bptt + 1].view(-1)).item():.4f}")
    return losses


if __name__ == "__main__":
    main()
