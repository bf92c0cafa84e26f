"""Generating names with a character-level RNN, in the style of PyTorch's tutorial: a
hand-made RNN of nn.Linear layers over torch.cat, LogSoftmax and NLLLoss, the loss
summed from torch.Tensor([0]), the hand-written SGD step, and sampling with topk.
PyTorch code, unchanged but for the imports, which the test renames."""
import numpy as np
import torch
import torch.nn as nn

all_letters = "abcdefghij"
n_letters = len(all_letters) + 1  # plus EOS
categories = ["first", "second"]
n_categories = len(categories)


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(RNN, self).__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(n_categories + input_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(n_categories + input_size + hidden_size, output_size)
        self.o2o = nn.Linear(hidden_size + output_size, output_size)
        self.dropout = nn.Dropout(0.1)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, category, input, hidden):
        input_combined = torch.cat((category, input, hidden), 1)
        hidden = self.i2h(input_combined)
        output = self.i2o(input_combined)
        output_combined = torch.cat((hidden, output), 1)
        output = self.o2o(output_combined)
        output = self.dropout(output)
        output = self.softmax(output)
        return output, hidden

    def initHidden(self):
        return torch.zeros(1, self.hidden_size)


def categoryTensor(category):
    li = categories.index(category)
    tensor = torch.zeros(1, n_categories)
    tensor[0][li] = 1
    return tensor


def inputTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li in range(len(line)):
        letter = line[li]
        tensor[li][0][all_letters.find(letter)] = 1
    return tensor


def targetTensor(line):
    letter_indexes = [all_letters.find(line[li]) for li in range(1, len(line))]
    letter_indexes.append(n_letters - 1)  # EOS
    return torch.LongTensor(letter_indexes)


criterion = nn.NLLLoss()
learning_rate = 0.05


def train(rnn, category_tensor, input_line_tensor, target_line_tensor):
    target_line_tensor.unsqueeze_(-1)
    hidden = rnn.initHidden()
    rnn.zero_grad()
    loss = torch.Tensor([0])
    for i in range(input_line_tensor.size(0)):
        output, hidden = rnn(category_tensor, input_line_tensor[i], hidden)
        l = criterion(output, target_line_tensor[i])
        loss += l
    loss.backward()
    for p in rnn.parameters():
        p.data.add_(p.grad.data, alpha=-learning_rate)
    return output, loss.item() / input_line_tensor.size(0)


def sample(rnn, category, start_letter="a", max_length=8):
    with torch.no_grad():
        category_tensor = categoryTensor(category)
        input = inputTensor(start_letter)
        hidden = rnn.initHidden()
        output_name = start_letter
        for i in range(max_length):
            output, hidden = rnn(category_tensor, input[0], hidden)
            topv, topi = output.topk(1)
            topi = topi[0][0]
            if topi == n_letters - 1:
                break
            letter = all_letters[topi]
            output_name += letter
            input = inputTensor(letter)
        return output_name


def main():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    names = {"first": ["abba", "acab", "abca", "bacca"], "second": ["jihg", "ihgj", "gihj"]}
    rnn = RNN(n_letters, 16, n_letters)
    rnn.eval()  # no dropout: the two frameworks draw different masks
    with torch.no_grad():
        for name, p in rnn.named_parameters():
            p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape)) * 0.2).float())
    losses = []
    for it in range(40):
        category = categories[it % 2]
        line = names[category][it % len(names[category])]
        _, loss = train(rnn, categoryTensor(category), inputTensor(line), targetTensor(line))
        losses.append(loss)
    print(f"loss {losses[0]:.4f} -> {losses[-1]:.4f}")
    print("samples", sample(rnn, "first", "a"), sample(rnn, "second", "j"))
    return losses


if __name__ == "__main__":
    main()
