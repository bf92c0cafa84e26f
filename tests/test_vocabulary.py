"""The vocabulary of the text task: tokenisers, <UNK>, <EOS>, the size limit, round trips."""
import json

import pytest

from minigrad.vocabulary import EOS, UNK, Vocabulary, tokenize

TEXT = "the cat sat on the mat.\nThe dog sat, too!\n\n  \nthe end\n"


def test_char_text_round_trips_when_every_character_is_known():
    vocabulary = Vocabulary.build(tokenize(TEXT, "char"), 1000, "char")
    ids = vocabulary.encode_text(TEXT)
    assert vocabulary.unk_id not in ids
    # blank lines carry no tokens, so they are the only thing that does not come back
    assert vocabulary.decode_text(ids) == "the cat sat on the mat.\nThe dog sat, too!\nthe end\n"


def test_word_tokens_round_trip_and_punctuation_is_a_token_of_its_own():
    tokens = tokenize(TEXT, "word")
    assert tokens[:7] == ["the", "cat", "sat", "on", "the", "mat", "."]
    vocabulary = Vocabulary.build(tokens, 1000, "word")
    assert vocabulary.decode(vocabulary.encode(tokens)) == tokens
    assert vocabulary.decode_text(vocabulary.encode(tokens)).splitlines()[1] == \
        "The dog sat , too !"
    assert tokenize(vocabulary.decode_text(vocabulary.encode(tokens)), "word") == tokens


def test_eos_ends_every_non_empty_line_and_only_those():
    for level in ("char", "word"):
        tokens = tokenize("ab c\r\n\nd\n", level)
        assert tokens.count(EOS) == 2 and tokens[-1] == EOS
    assert tokenize("ab c\r\n\nd", "char") == ["a", "b", " ", "c", EOS, "d", EOS]
    assert tokenize("", "char") == [] and tokenize("\n \n", "word") == []


def test_unseen_tokens_become_unk():
    vocabulary = Vocabulary.build(tokenize("a b a", "word"), 10, "word")
    assert vocabulary.tokens[:2] == [UNK, EOS] and (vocabulary.unk_id, vocabulary.eos_id) == (0, 1)
    assert vocabulary.encode(["a", "zebra", "b", "c"]) == [2, 0, 3, 0]
    assert vocabulary.decode(vocabulary.encode(["zebra"])) == [UNK]
    assert "zebra" not in vocabulary and "a" in vocabulary


def test_the_size_keeps_the_most_frequent_tokens_ties_in_order_of_appearance():
    tokens = list("abbcccddd") + [EOS]
    vocabulary = Vocabulary.build(tokens, 2, "char")
    assert vocabulary.tokens == [UNK, EOS, "c", "d"]      # EOS is not counted among the N
    assert vocabulary.encode(list("abcd")) == [0, 0, 2, 3]
    assert len(Vocabulary.build(tokens, 100, "char")) == 4 + 2


def test_to_dict_from_dict_through_json():
    vocabulary = Vocabulary.build(tokenize(TEXT, "word"), 5, "word")
    again = Vocabulary.from_dict(json.loads(json.dumps(vocabulary.to_dict())))
    assert again.tokens == vocabulary.tokens and again.level == "word"
    assert again.encode_text(TEXT) == vocabulary.encode_text(TEXT)


@pytest.mark.parametrize("call, message", [
    (lambda: Vocabulary.build(["a"], 0, "char"), "positive integer, got 0"),
    (lambda: Vocabulary.build(["a"], True, "char"), "positive integer"),
    (lambda: tokenize("a", "sentence"), "level must be one of char, word"),
    (lambda: Vocabulary(["a", UNK, EOS], "char"), "first tokens must be <UNK> and <EOS>"),
    (lambda: Vocabulary([UNK, EOS, "a", "a"], "char"), "a token twice"),
    (lambda: Vocabulary.from_dict({"tokens": [UNK, EOS]}), "needs 'level' and 'tokens'"),
    (lambda: Vocabulary.build(["a"], 3, "char").decode([7]), "integers from 0 to 2"),
])
def test_bad_input_is_refused_in_one_line(call, message):
    with pytest.raises(ValueError, match=message):
        call()
