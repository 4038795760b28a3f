"""Fitting spring-model parameters to experimental B-factors (Adam, from optax)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .. import _validate
from ..analysis import pearson_r
from ..precision import require_x64
from ._bfactors import _check_model, _predicted_bfactors
from ._springs import Network, SpringParams


class BFactorData(NamedTuple):
    """One training or test structure: coordinates, network and experimental B-factors.

    Attributes:
        R: Cα coordinates, shape (N, 3), Å.
        network: :class:`Network` of R.
        bfactors: experimental B-factors, shape (N,), Å².
        name: a label for tables.
    """

    R: np.ndarray
    network: Network
    bfactors: np.ndarray
    name: str = ""


def _check_data(data: Iterable[BFactorData], function: str) -> list[BFactorData]:
    out = []
    for s in data:
        R = np.asarray(_validate.as_positions(s.R, function, f"{s.name or 'data'}.R"))
        B = np.asarray(s.bfactors, dtype=np.float64)
        if B.shape != (R.shape[0],) or R.shape[0] != s.network.n_atoms:
            raise ValueError(
                f"{function}: structure {s.name!r} has R of shape {R.shape}, bfactors of shape "
                f"{B.shape} and a network of {s.network.n_atoms} atoms; they must agree."
            )
        if not np.all(np.isfinite(B)) or np.std(B) == 0:
            raise ValueError(
                f"{function}: the B-factors of {s.name!r} are not finite or all equal "
                f"(all {B.flat[0]}?); a correlation needs varying experimental values "
                "(some files, e.g. the bundled 4AKE_A_aligned, have them zeroed)."
            )
        out.append(BFactorData(R, s.network, B, s.name))
    if not out:
        raise ValueError(f"{function}: `data` is empty; pass at least one BFactorData.")
    return out


def bfactor_loss(
    params: SpringParams,
    data: Sequence[BFactorData],
    model: str = "gnm",
    l2: float = 0.0,
) -> jnp.ndarray:
    r"""Mean of 1 - r over structures, r the Pearson correlation with experiment.

    .. math:: L = \frac{1}{S}\sum_s \bigl(1 - r(B^{pred}_s, B^{exp}_s)\bigr)
        + \ell_2 \bigl(|\kappa|^2 + |\theta|^2\bigr)

    Scale-free (γ and kT drop out), so it fits the *shape* of the profile; the absolute
    scale follows in closed form (γ = Σ B_pred² / Σ B_pred B_exp at γ = 1).

    Args:
        params: :class:`SpringParams`.
        data: structures (:class:`BFactorData`), coordinates and networks fixed.
        model: "gnm" or "anm".
        l2: weight of the L2 penalty on the sequence and residue-type log scales.

    Returns:
        L, shape ().
    """
    _check_model(model, "bfactor_loss")
    total = 0.0
    for s in data:
        B = _predicted_bfactors(params, jnp.asarray(s.R), s.network, model, 1.0)
        total = total + 1.0 - pearson_r(B, jnp.asarray(s.bfactors))
    penalty = jnp.sum(params.log_k_seq**2) + jnp.sum(params.theta_res**2)
    return total / len(data) + l2 * penalty


def adam(
    loss_fn: Callable[[Any], jnp.ndarray],
    x0: Any,
    steps: int,
    learning_rate: float = 0.05,
    *,
    mask: Any = None,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
) -> tuple[Any, np.ndarray]:
    r"""Minimise a scalar function of a pytree with Adam (``optax.adam``).

    .. math:: m \leftarrow \beta_1 m + (1-\beta_1) g,\ v \leftarrow \beta_2 v + (1-\beta_2)
        g^2,\ x \leftarrow x - \eta\, \hat m / (\sqrt{\hat v} + \epsilon)

    with bias-corrected :math:`\hat m = m / (1 - \beta_1^t)` and
    :math:`\hat v = v / (1 - \beta_2^t)` (Kingma & Ba, ICLR 2015, Algorithm 1):
    ``optax.adam(learning_rate, b1, b2, eps)`` with ``eps_root=0``, so ε is added outside
    the square root. Frozen entries (mask 0) get a zero gradient, so their moments stay 0
    and their update is 0 / (0 + ε) = 0. Each step is one compiled ``value_and_grad`` and
    one compiled update.

    Args:
        loss_fn: x -> scalar.
        x0: initial parameters (a pytree of float arrays).
        steps: number of steps.
        learning_rate: η.
        mask: pytree like x0 of 0/1 (1 = trained); None trains everything.
        b1: β₁.
        b2: β₂.
        eps: ε.

    Returns:
        (x, losses): the final parameters and the loss before each step and at the end,
        shape (steps + 1,).
    """
    optimizer = optax.adam(learning_rate, b1=b1, b2=b2, eps=eps)
    value_and_grad = jax.jit(jax.value_and_grad(loss_fn))
    if mask is None:
        mask = jax.tree.map(jnp.ones_like, x0)

    @jax.jit
    def update(x: Any, state: optax.OptState, g: Any) -> tuple[Any, optax.OptState]:
        g = jax.tree.map(jnp.multiply, g, mask)
        updates, state = optimizer.update(g, state, x)
        return optax.apply_updates(x, updates), state

    x, state = x0, optimizer.init(x0)
    losses = []
    for _ in range(int(steps)):
        value, g = value_and_grad(x)
        losses.append(float(value))
        x, state = update(x, state, g)
    losses.append(float(value_and_grad(x)[0]))
    return x, np.asarray(losses)


class FitResult(NamedTuple):
    """Result of :func:`fit_spring_params`.

    Attributes:
        params: fitted :class:`SpringParams`.
        losses: loss before each step and at the end, shape (steps + 1,).
        r_before: Pearson r per training structure with the initial parameters, (S,).
        r_after: Pearson r per training structure with the fitted parameters, (S,).
    """

    params: SpringParams
    losses: np.ndarray
    r_before: np.ndarray
    r_after: np.ndarray


def fit_spring_params(
    data: Sequence[BFactorData],
    params0: SpringParams,
    *,
    model: str = "gnm",
    trainable: Sequence[str] = ("p", "cutoff", "log_k_seq"),
    steps: int = 100,
    learning_rate: float = 0.05,
    l2: float = 0.0,
) -> FitResult:
    """Fit spring-model parameters to experimental B-factors by gradient descent (Adam).

    Minimises :func:`bfactor_loss` over the fields of :class:`SpringParams` named in
    ``trainable``; the others stay at ``params0``. Evaluate the result on structures
    that were not in ``data`` (:func:`predicted_bfactors` and
    :func:`jaxnm_course.analysis.pearson_r`).

    Args:
        data: training structures (:class:`BFactorData`).
        params0: starting parameters.
        model: "gnm" or "anm".
        trainable: names of the fields of SpringParams to fit.
        steps: Adam steps.
        learning_rate: Adam step size (parameters are O(1): Å, exponents, logs).
        l2: L2 penalty on κ and θ (see :func:`bfactor_loss`).

    Returns:
        :class:`FitResult`.
    """
    fn = "fit_spring_params"
    require_x64(fn)
    _check_model(model, fn)
    unknown = set(trainable) - set(SpringParams._fields)
    if unknown:
        raise ValueError(
            f"{fn}: `trainable` names {sorted(unknown)} are not fields of SpringParams "
            f"{SpringParams._fields}."
        )
    data = _check_data(data, fn)
    mask = SpringParams(
        *(
            jnp.full_like(v, 1.0 if f in trainable else 0.0)
            for f, v in zip(SpringParams._fields, params0, strict=True)
        )
    )

    def loss(params: SpringParams) -> jnp.ndarray:
        return bfactor_loss(params, data, model, l2)

    r_of = jax.jit(
        lambda p: jnp.stack(
            [
                pearson_r(
                    _predicted_bfactors(p, jnp.asarray(s.R), s.network, model, 1.0), s.bfactors
                )
                for s in data
            ]
        )
    )
    params, losses = adam(loss, params0, steps, learning_rate, mask=mask)
    return FitResult(params, losses, np.asarray(r_of(params0)), np.asarray(r_of(params)))
