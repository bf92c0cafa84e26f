"""Classifying names by language with a character-level RNN, in the style of PyTorch's
tutorial: a Dataset of one-hot letter tensors, random_split with a seeded Generator,
nn.RNN + nn.Linear + nn.LogSoftmax, NLLLoss, batches from np.array_split over shuffled
indices, clip_grad_norm_, SGD, and a confusion matrix filled element by element.
PyTorch code, unchanged but for the imports, which the test renames."""
import random

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import Dataset

allowed_characters = "abcdefgh"
n_letters = len(allowed_characters)


def letterToIndex(letter):
    return allowed_characters.find(letter)


def lineToTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li, letter in enumerate(line):
        tensor[li][0][letterToIndex(letter)] = 1
    return tensor


class NamesDataset(Dataset):
    def __init__(self, names_by_label):
        self.data, self.data_tensors, self.labels, self.labels_tensors = [], [], [], []
        labels_set = set()
        for label, names in names_by_label.items():
            labels_set.add(label)
            for name in names:
                self.data.append(name)
                self.data_tensors.append(lineToTensor(name))
                self.labels.append(label)
        self.labels_uniq = sorted(labels_set)
        for idx in range(len(self.labels)):
            temp_tensor = torch.tensor([self.labels_uniq.index(self.labels[idx])],
                                       dtype=torch.long)
            self.labels_tensors.append(temp_tensor)

    def __len__(self):
        return len(self.data)

    def __getitem__(self, idx):
        return (self.labels_tensors[idx], self.data_tensors[idx], self.labels[idx],
                self.data[idx])


class CharRNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(CharRNN, self).__init__()
        self.rnn = nn.RNN(input_size, hidden_size)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, line_tensor):
        rnn_out, hidden = self.rnn(line_tensor)
        output = self.h2o(hidden[0])
        output = self.softmax(output)
        return output


def label_from_output(output, output_labels):
    top_n, top_i = output.topk(1)
    label_i = top_i[0].item()
    return output_labels[label_i], label_i


def train(rnn, training_data, n_epoch=4, n_batch_size=8, learning_rate=0.1):
    current_loss, all_losses = 0, []
    rnn.train()
    optimizer = torch.optim.SGD(rnn.parameters(), lr=learning_rate)
    criterion = nn.NLLLoss()
    for iter in range(1, n_epoch + 1):
        rnn.zero_grad()
        batches = list(range(len(training_data)))
        random.shuffle(batches)
        batches = np.array_split(batches, len(batches) // n_batch_size)
        for idx, batch in enumerate(batches):
            batch_loss = 0
            for i in batch:
                (label_tensor, text_tensor, label, text) = training_data[i]
                output = rnn.forward(text_tensor)
                loss = criterion(output, label_tensor)
                batch_loss += loss
            batch_loss.backward()
            nn.utils.clip_grad_norm_(rnn.parameters(), 3)
            optimizer.step()
            optimizer.zero_grad()
            current_loss += batch_loss.item() / len(batch)
        all_losses.append(current_loss / len(batches))
        current_loss = 0
    return all_losses


def evaluate(rnn, testing_data, classes):
    confusion = torch.zeros(len(classes), len(classes))
    rnn.eval()
    with torch.no_grad():
        for i in range(len(testing_data)):
            (label_tensor, text_tensor, label, text) = testing_data[i]
            output = rnn(text_tensor)
            guess, guess_i = label_from_output(output, classes)
            label_i = classes.index(label)
            confusion[label_i][guess_i] += 1
    for i in range(len(classes)):
        denom = confusion[i].sum()
        if denom > 0:
            confusion[i] = confusion[i] / denom
    return confusion


def main():
    torch.manual_seed(0)
    random.seed(0)
    rng = np.random.default_rng(0)
    names = {"early": ["".join(rng.choice(list("abcd"), size=int(rng.integers(3, 7))))
                       for _ in range(24)],
             "late": ["".join(rng.choice(list("efgh"), size=int(rng.integers(3, 7))))
                      for _ in range(24)]}
    alldata = NamesDataset(names)
    train_set, test_set = torch.utils.data.random_split(
        alldata, [.75, .25], generator=torch.Generator(device="cpu").manual_seed(2024))
    rnn = CharRNN(n_letters, 16, len(alldata.labels_uniq))
    with torch.no_grad():
        for name, p in rnn.named_parameters():
            p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape)) * 0.3).float())
    losses = train(rnn, train_set)
    confusion = evaluate(rnn, test_set, alldata.labels_uniq)
    print(f"loss {losses[0]:.4f} -> {losses[-1]:.4f}; sizes {len(train_set)}, {len(test_set)}")
    print("right per class", [round(confusion[i][i].item(), 2) for i in range(len(confusion))])
    return losses


if __name__ == "__main__":
    main()
