"""Instance embeddings: same family close, different families apart, stable under renumbering of nothing."""

from __future__ import annotations

import pytest

from optarium.learn.embed import BINS, ROUNDS, embed, embedding_distance, wl_histogram
from optarium.learn.generators import generate
from optarium.learn.recognise import COORDINATES


def test_the_embedding_is_the_recognition_vector_then_one_histogram_per_round() -> None:
    vector = embed(generate("set_cover", 0, n_rows=30, n_cols=50))
    assert len(vector) == len(COORDINATES) + (ROUNDS + 1) * BINS
    shares = wl_histogram(generate("set_cover", 0, n_rows=30, n_cols=50))
    for round_ in range(ROUNDS + 1):
        assert abs(shares[round_ * BINS:(round_ + 1) * BINS].sum() - 1.0) < 1e-9


def test_instances_of_one_family_are_nearer_each_other_than_to_another_family() -> None:
    cover = [embed(generate("set_cover", seed, n_rows=40, n_cols=60)) for seed in range(3)]
    knapsack = embed(generate("multiple_knapsack", 0, n_items=12, n_knapsacks=2))
    within = max(embedding_distance(cover[0], other) for other in cover[1:])
    assert within < embedding_distance(cover[0], knapsack) / 3
    assert embedding_distance(cover[0], cover[0]) == 0.0


def test_the_same_instance_embeds_the_same_every_time() -> None:
    problem = generate("generalized_independent_set", 3, n_nodes=15)
    assert embed(problem) == embed(generate("generalized_independent_set", 3, n_nodes=15))


def test_distances_to_many_agree_with_the_distance_to_each() -> None:
    import numpy as np

    from optarium.learn.embed import distances

    vectors = [embed(generate(family, 0)) for family in ("multiple_knapsack", "generalized_independent_set")]
    point = embed(generate("multiple_knapsack", 1))
    assert distances(point, np.array(vectors)) == pytest.approx([embedding_distance(point, v) for v in vectors])
