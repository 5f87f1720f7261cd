"""Stage A: from compute to a trained model (SPEC §2).

Every function is pure, takes floats or numpy arrays in canonical units (FLOP, FLOP/s,
seconds of calendar time) and returns the same kind.
"""

from __future__ import annotations

from typing import cast

import numpy as np

from alignment_runway._typing import Num, same_kind

__all__ = [
    "cluster_flop_per_s",
    "cluster_flop_per_s_for_training",
    "effective_training_flop",
    "fleet_tokens_per_s",
    "inference_flop_per_token",
    "optimal_parameters",
    "raw_training_flop",
    "training_tokens",
]

#: FLOP per parameter per training token for a dense transformer (forward + backward):
#: C = 6·N·D (Kaplan et al. 2020, arXiv:2001.08361; Hoffmann et al. 2022, arXiv:2203.15556).
TRAINING_FLOP_PER_PARAMETER_TOKEN = 6.0
#: FLOP per parameter per generated token for a dense transformer (forward pass only): 2·N.
INFERENCE_FLOP_PER_PARAMETER_TOKEN = 2.0


def cluster_flop_per_s(stock_flop_per_s: Num, training_share: Num) -> Num:
    """Peak compute of the training cluster, ``K = C_stock · f`` (FLOP/s).

    Source: the essay ("trained on ¼ of today's GPUs and TPUs").
    """
    return stock_flop_per_s * training_share


def cluster_flop_per_s_for_training(training_flop: Num, utilization: Num, duration_s: Num) -> Num:
    """Peak cluster compute implied by an effective training budget, ``K = C_train / (u · T)``.

    Used when the effective training compute is given directly (the essay's "1000× the
    compute, trained in 4 rather than 12 months").
    """
    return training_flop / (utilization * duration_s)


def raw_training_flop(cluster_flop_per_s: Num, duration_s: Num) -> Num:
    """Peak FLOP the cluster could perform over the training run, ``K · T``.

    Source: the essay's footnote 7 (1e21 FLOP/s for a year ≈ 3e28 FLOP).
    """
    return cluster_flop_per_s * duration_s


def effective_training_flop(cluster_flop_per_s: Num, duration_s: Num, utilization: Num) -> Num:
    """FLOP actually spent on training, ``C_train = K · T · u``.

    Source: the essay's footnote 7 (50% hardware utilization).
    """
    return cluster_flop_per_s * duration_s * utilization


def optimal_parameters(training_flop: Num, tokens_per_parameter: Num) -> Num:
    """Compute-optimal parameter count, ``N = sqrt(C_train / (6 k))``.

    From ``C = 6·N·D`` and ``D = k·N`` with ``k`` ≈ 20 tokens per parameter (Hoffmann et al.
    2022, "Training Compute-Optimal Large Language Models", arXiv:2203.15556).
    """
    ratio = training_flop / (TRAINING_FLOP_PER_PARAMETER_TOKEN * tokens_per_parameter)
    return cast(Num, same_kind(np.sqrt(ratio)))


def training_tokens(parameters: Num, tokens_per_parameter: Num) -> Num:
    """Training-set size of a compute-optimal model, ``D = k · N`` tokens (Hoffmann et al. 2022)."""
    return parameters * tokens_per_parameter


def inference_flop_per_token(parameters: Num) -> Num:
    """Inference cost of a dense model, ``2 · N`` FLOP per generated token (Kaplan et al. 2020)."""
    return INFERENCE_FLOP_PER_PARAMETER_TOKEN * parameters


def fleet_tokens_per_s(cluster_flop_per_s: Num, utilization: Num, parameters: Num) -> Num:
    """Tokens per second from running copies of the model on its own training cluster.

    ``R = K · u / (2 N)``; for a compute-optimal model this equals ``3 · D / T``. Source: the
    essay ("~20 million tokens per second by running copies of that AI on its own training
    compute"), after the post it cites.
    """
    return cluster_flop_per_s * utilization / inference_flop_per_token(parameters)
