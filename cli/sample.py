"""``minigrad sample`` and ``minigrad score``: a trained language model writes text, and
says how likely a text is.

    minigrad train --cell lstm --task text --save lm.npz
    minigrad sample --load lm.npz --prime "The cat" --temperature 0.5 --seed 1
    minigrad score --load lm.npz "The cat, which already ate the fish, was full." --json

The work is ``minigrad.sampling``; the checkpoint carries the vocabulary and the run's
settings, so nothing else is needed. Bad usage (no such file, a checkpoint of a task
without a vocabulary, a temperature <= 0, --top-k 0) exits 2 with one line.
"""
import click

from minigrad.results import standard_json

LOAD_HELP = "A checkpoint of a token task, as `minigrad train --task text --save` writes."


def _load(path):
    from minigrad.sampling import load_language_model
    from .output import read_checkpoint
    checkpoint = read_checkpoint(path)  # "--load PATH: ..." for a missing or corrupt file
    return load_language_model(checkpoint, where=f"--load {path}")


@click.command()
@click.option("--load", "load_path", required=True, type=click.Path(dir_okay=False),
              help=LOAD_HELP)
@click.option("--prime", default="", help="Text the model reads before it writes.")
@click.option("--length", type=click.IntRange(min=1), default=200, show_default=True,
              help="Most tokens to generate (it stops earlier at <EOS>).")
@click.option("--temperature", type=float, default=1.0, show_default=True,
              help="Divides the logits: < 1 sharper, > 1 flatter; must be > 0.")
@click.option("--top-k", "top_k", type=int, default=None,
              help="Draw from the K most likely tokens only (1: greedy).")
@click.option("--seed", type=click.IntRange(min=0), default=None,
              help="The same seed gives the same text (default: a fresh one each time).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
def sample(load_path, prime, length, temperature, top_k, seed, as_json):
    """Generate text from a trained language model, until <EOS> or --length tokens."""
    import minigrad.sampling
    from .main import bad_usage
    with bad_usage():
        if not temperature > 0:
            raise ValueError(f"--temperature must be > 0, got {temperature} (for greedy "
                             f"decoding use --top-k 1)")
        minigrad.sampling.check_temperature(temperature)
        if top_k is not None:
            _check_top_k(top_k)
        model, vocabulary, _ = _load(load_path)
        result = minigrad.sampling.sample(model, vocabulary, prime=prime, length=length,
                                          temperature=temperature, top_k=top_k, seed=seed)
    if as_json:
        click.echo(standard_json(result.to_dict()))
    else:
        click.echo(result.text.rstrip("\n"))


def _check_top_k(top_k):
    if top_k < 1:
        raise ValueError(f"--top-k must be a whole number >= 1 (1 is greedy), got {top_k}")


@click.command()
@click.option("--load", "load_path", required=True, type=click.Path(dir_okay=False),
              help=LOAD_HELP)
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
def score(load_path, text, as_json):
    """The log-probability of TEXT under a trained language model, token by token."""
    import minigrad.sampling
    from .main import bad_usage
    with bad_usage():
        model, vocabulary, _ = _load(load_path)
        result = minigrad.sampling.score(model, vocabulary, text)
    click.echo(standard_json(result.to_dict()) if as_json else score_table(result))


def score_table(result):
    """The total, then one row per token: its probability and ln p given what came before."""
    lines = [f"log-probability {result.log_prob:.4f} (ln), {result.bits:.2f} bits, "
             f"{len(result.tokens)} tokens"]
    if result.unknown:
        lines.append(f"# scored as <UNK> (not in the vocabulary): "
                     f"{', '.join(repr(t) for t in dict.fromkeys(result.unknown))}")
    lines.append(f"{'token':<12}  {'p':>8}  {'ln p':>8}")
    for row in result.tokens:
        shown = repr(row["token"]) + (" (<UNK>)" if row["unknown"] else "")
        lines.append(f"{shown:<12}  {row['probability']:>8.4f}  {row['log_prob']:>8.3f}")
    return "\n".join(lines)
