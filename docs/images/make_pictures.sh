#!/usr/bin/env bash
# Draws the pictures the docs link to (needs matplotlib: pip install 'minigrad[plot]').
# Run from the repository's root: bash docs/images/make_pictures.sh
set -euo pipefail
out=docs/images
work="$(mktemp -d)"
# gradient-flow.md: ‖∂L/∂h_t‖ over 60 steps at initialisation
minigrad gradflow --cells rnn,gru,lstm,lstm:chrono --length 60 -o "$out/gradflow.png" > /dev/null
# graphs-and-gates.md: a trained LSTM's gates on one sequence of the copy task
minigrad train --cell lstm --task copy --length 3 --delay 10 --hidden 32 --steps 4000 \
    --save "$work/lstm.npz" --quiet > /dev/null
minigrad inspect --cell lstm --task copy --load "$work/lstm.npz" -o "$out/gates.png" > /dev/null
# tasks.md: a relu RNN with identity init on the adding problem, without and with clipping
for clip in 0 1; do
    minigrad compare --cells rnn-relu --task adding --init identity --hidden 64 --lr 0.003 \
        --steps 400 --eval-every 1 --clip "$clip" --out "$work/clip-$clip" --quiet > /dev/null
    cp "$work/clip-$clip/curves.png" "$out/adding-relu-clip-$clip.png"
done
rm -rf "$work"
