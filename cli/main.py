"""The ``minigrad`` command: a Click group whose commands call minigrad's Python API."""
import click

import minigrad


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(minigrad.__version__, prog_name="minigrad")
def main():
    """minigrad: train and compare recurrent cells on long-dependency tasks."""
