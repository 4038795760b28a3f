"""The elastic-network layer: pair lists, contacts, block assembly, ANM and GNM matrices.

Data flow: coordinates R -> a pair list (:func:`contact_pairs`, :func:`pairs_within`,
:func:`all_pairs`; NumPy, outside ``jit``) -> spring constants k (:func:`spring_constants`)
-> per-pair blocks (:func:`anm_blocks` analytic, :func:`anm_blocks_autodiff` per-spring
``jax.hessian``, :func:`kirchhoff_blocks`) -> one assembly (:func:`assemble_dense`, JAX;
:func:`assemble_csr`, SciPy) -> :func:`anm_hessian` / :func:`kirchhoff`, which the models
(:mod:`jaxnm_course.enm`), the sparse path (:mod:`jaxnm_course.sparse`) and the
differentiable models share. The modes then come from :mod:`jaxnm_course.solvers`.

**Pair lists** are one type: a read-only int64 NumPy array of shape (P, 2), checked by
:func:`check_pairs` with one rule everywhere: a non-integer dtype is a TypeError; a wrong
shape, an index out of range, a self pair (i, i) or a pair listed twice ((i, j) and
(j, i) count as the same) is a ValueError.

The builders (blocks, assembly, :func:`anm_hessian`, :func:`kirchhoff`) do no checks:
they are the kernels behind public functions that checked their inputs once. They are
pure JAX in R and k (the pair list being fixed), so ``jax.grad`` and ``jax.jit`` go
through them.
"""

from ._assembly import assemble_csr, assemble_dense
from ._contacts import (
    DisconnectedNetworkError,
    all_pairs,
    as_count,
    bucket_size,
    components,
    connected_components,
    connectivity,
    contact_pairs,
    cutoff_margin,
    find_contacts,
    pad_pairs,
    pairs_within,
)
from ._laws import HINSEN_BREAK, hinsen_gamma, parameter_free_gamma
from ._pairs import Pairs, check_index_list, check_indices_in_range, check_pairs
from ._springs import (
    BLOCKS,
    Gamma,
    anm_blocks,
    anm_blocks_autodiff,
    anm_hessian,
    kirchhoff,
    kirchhoff_blocks,
    pair_distances,
    spring_constants,
)

__all__ = [
    "BLOCKS",
    "HINSEN_BREAK",
    "DisconnectedNetworkError",
    "Gamma",
    "Pairs",
    "all_pairs",
    "anm_blocks",
    "anm_blocks_autodiff",
    "anm_hessian",
    "as_count",
    "assemble_csr",
    "assemble_dense",
    "bucket_size",
    "check_index_list",
    "check_indices_in_range",
    "check_pairs",
    "components",
    "connected_components",
    "connectivity",
    "contact_pairs",
    "cutoff_margin",
    "find_contacts",
    "hinsen_gamma",
    "kirchhoff",
    "kirchhoff_blocks",
    "pad_pairs",
    "pair_distances",
    "pairs_within",
    "parameter_free_gamma",
    "spring_constants",
]
