"""The contract of `numerics.train.fit` and `lbfgs_polish`, the one trainer every paper uses."""

import math

import pytest
import torch

from numerics.train import Evaluation, blowup_limit, fit, lbfgs_polish, learning_rates

TARGETS = torch.tensor([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0], [-0.5, 0.25, 2.0]], dtype=torch.float64)


def _quadratic(theta, targets, poison=None):
    """evaluate for L_b = Σ_j (θ_bj − c_bj)²; ``poison(step)`` -> (B,) tensor added to the losses (NaN, ±inf, 0)."""

    def evaluate(step, scale):
        losses = ((theta - targets) ** 2).sum(dim=1)
        if poison is not None:
            losses = losses + poison(step)
        return Evaluation(losses)

    return evaluate


def _theta(rows=(0, 1, 2)):
    return torch.zeros(len(rows), 3, dtype=torch.float64).add_(0.1 * torch.arange(len(rows))[:, None]).requires_grad_(True)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_divergence_stops_one_member_and_leaves_the_others_bit_unchanged(bad):
    theta = _theta()
    poison = lambda step: torch.tensor([0.0, bad if step >= 4 else 0.0, 0.0], dtype=torch.float64)  # noqa: E731
    res = fit([theta], _quadratic(theta, TARGETS, poison), steps=12, lr=0.05, members=3)
    assert res.diverged == [None, 4, None]
    assert res.any_diverged and res.steps == 12
    for b in (0, 2):  # each live member takes exactly the steps it takes alone
        alone = _theta((0, 1, 2))[b : b + 1].detach().clone().requires_grad_(True)
        fit([alone], _quadratic(alone, TARGETS[b : b + 1]), steps=12, lr=0.05, members=1)
        assert torch.equal(theta[b].detach(), alone[0].detach())


def test_positive_infinity_is_divergence_without_a_loss_limit():
    theta = _theta((0,))
    res = fit([theta], _quadratic(theta, TARGETS[:1], lambda s: torch.tensor([math.inf if s == 2 else 0.0],
                                                                            dtype=torch.float64)),
              steps=5, lr=0.1)
    assert res.diverged == [2]
    assert res.steps == 2  # every member gone: the loop ends before the update of step 2


def test_loss_limit_is_taken_from_the_first_losses():
    theta = _theta((0, 1))
    # member 0's loss jumps 10⁵-fold at step 3 (over the 10⁴ limit of blowup_limit), member 1 only 10³-fold
    jump = lambda s: torch.tensor([1e5, 1e3], dtype=torch.float64) if s == 3 else torch.zeros(2, dtype=torch.float64)  # noqa: E731

    def evaluate(step, scale):
        losses = ((theta - TARGETS[:2]) ** 2).sum(dim=1)
        return Evaluation(losses * (1 + jump(step)))

    res = fit([theta], evaluate, steps=6, lr=1e-3, members=2, loss_limit=blowup_limit(0.0))
    assert res.diverged == [3, None]


def _linear(theta, g):
    """L(θ) = Σ θ·g: the gradient is g at every θ, so SGD moves θ by −lr_t·g at step t exactly."""
    return lambda step, scale: Evaluation((theta * g).sum())


@pytest.mark.parametrize("as_list", [True, False])
def test_lr_at_sets_the_learning_rate_of_each_step(as_list):
    g = torch.tensor([1.0, -3.0, 0.5], dtype=torch.float64)
    lrs = [0.1, 0.2, 0.4, 0.8, 1.6]
    theta = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    fit([theta], _linear(theta, g), steps=4, lr=1.0, optimizer="sgd", lr_at=lrs if as_list else lrs.__getitem__)
    expected = torch.zeros(3, dtype=torch.float64)
    for lr in lrs[:4]:  # step t uses lrs[t]; the fifth entry is never used
        expected.add_(g, alpha=-lr)
    assert torch.equal(theta.detach(), expected)


def test_learning_rates_match_torch_schedulers_and_reject_unknown_names():
    lrs = learning_rates(0.1, 10, "cosine")
    assert len(lrs) == 11 and lrs[0] == 0.1 and abs(lrs[10]) < 1e-15 and lrs[5] == pytest.approx(0.05)
    assert learning_rates(0.1, 10, "exponential", 0.01)[10] == pytest.approx(1e-3)
    assert learning_rates(0.1, 10, None) is None
    with pytest.raises(ValueError, match="schedule"):
        learning_rates(0.1, 10, "linear")


def test_on_record_sees_theta_t_and_its_gradient_before_the_update():
    g = torch.tensor([2.0, -1.0], dtype=torch.float64)
    theta = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    seen = []

    def on_record(step, ev, alive):
        seen.append((step, None if ev is None else float(ev.losses.detach()), theta.detach().clone(),
                     None if theta.grad is None else theta.grad.clone(), alive.tolist()))

    fit([theta], _linear(theta, g), steps=6, lr=0.25, optimizer="sgd", record_at=[0, 2, 5], on_record=on_record)
    assert [s[0] for s in seen] == [0, 2, 5]
    for step, loss, th, grad, alive in seen:
        expected = torch.zeros(2, dtype=torch.float64)
        for _ in range(step):
            expected.add_(g, alpha=-0.25)
        assert torch.equal(th, expected)  # θ_t: recorded before the update of step t
        assert torch.equal(grad, g)  # the gradient at θ_t is there
        assert loss == float((expected * g).sum()) and alive == [True]


def test_final_record_is_one_call_at_steps_with_no_evaluation():
    theta = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    g = torch.ones(2, dtype=torch.float64)
    calls = []
    on_record = lambda step, ev, alive: calls.append((step, ev is None))  # noqa: E731
    fit([theta], _linear(theta, g), steps=3, lr=0.5, optimizer="sgd", record_at=[0], on_record=on_record,
        final_record=True)
    assert calls == [(0, False), (3, True)]
    assert torch.equal(theta.detach(), torch.full((2,), -1.5, dtype=torch.float64))  # three updates, then the record
    calls.clear()
    fit([theta], _linear(theta, g), steps=3, lr=0.5, optimizer="sgd", record_at=[0], on_record=on_record)
    assert calls == [(0, False)]


def test_on_record_can_stop_a_member():
    theta = _theta((0, 1))
    alive_seen = []

    def on_record(step, ev, alive):
        alive_seen.append(alive.tolist())
        return torch.tensor([step == 2, False])

    res = fit([theta], _quadratic(theta, TARGETS[:2]), steps=5, lr=0.1, members=2, record_at=range(5),
              on_record=on_record, final_record=True)
    assert res.diverged == [2, None]
    assert alive_seen == [[True, True], [True, True], [True, True], [False, True], [False, True], [False, True]]
    alone = _theta((0, 1))[1:].detach().clone().requires_grad_(True)
    fit([alone], _quadratic(alone, TARGETS[1:2]), steps=5, lr=0.1)
    assert torch.equal(theta[1].detach(), alone[0].detach())


def test_ready_gradients_with_fused_adam_equal_torch_fused_adam():
    torch.manual_seed(0)
    A = torch.randn(4, 4, dtype=torch.float64)
    theta = torch.randn(2, 4, dtype=torch.float64)
    ref = theta.clone().requires_grad_(True)
    mine = theta.clone()

    def evaluate(step, scale):
        with torch.no_grad():
            r = mine @ A.T - 1.0
            return Evaluation((r * r).sum(dim=1), grads=[2 * r @ A])

    fit([mine], evaluate, steps=7, lr=0.01, fused=True, members=2)
    opt = torch.optim.Adam([ref], lr=0.01, fused=True)
    for _ in range(7):
        opt.zero_grad()
        ((ref @ A.T - 1.0) ** 2).sum().backward()
        opt.step()
    assert torch.equal(mine, ref.detach())


def test_flush_denormal_only_while_training():
    if not torch.set_flush_denormal(True):
        pytest.skip("this CPU cannot flush subnormals")
    torch.set_flush_denormal(False)
    tiny = torch.tensor([1e-30], dtype=torch.float32)
    seen = []
    theta = torch.zeros(1, dtype=torch.float64, requires_grad=True)

    def evaluate(step, scale):
        seen.append(float(tiny * 1e-10))
        return Evaluation((theta * 1.0).sum())

    fit([theta], evaluate, steps=1, lr=0.1, flush_denormal=True)
    assert seen == [0.0]
    assert float(tiny * 1e-10) != 0.0  # restored afterwards


def test_lbfgs_polish_reaches_the_minimiser_of_a_quadratic():
    torch.manual_seed(1)
    M = torch.randn(6, 6, dtype=torch.float64)
    A = M @ M.T + torch.eye(6, dtype=torch.float64)
    b = torch.randn(6, dtype=torch.float64)
    x = torch.zeros(6, dtype=torch.float64, requires_grad=True)
    objective = lambda: 0.5 * x @ A @ x - b @ x  # noqa: E731
    final = lbfgs_polish([x], objective, max_iter=100)
    x_star = torch.linalg.solve(A, b)
    # tolerance_change 1e-16 on the objective stops it once |x − x*|² ~ 1e-16
    assert torch.allclose(x.detach(), x_star, rtol=0, atol=1e-7)
    assert float(final) == pytest.approx(float(-0.5 * b @ x_star), rel=1e-12)  # the final objective, not the first
    y = torch.zeros(6, dtype=torch.float64, requires_grad=True)
    lbfgs_polish([y], lambda: 0.5 * y @ A @ y - b @ y, max_iter=1, max_eval=2)
    assert not torch.allclose(y.detach(), x_star, atol=1e-6)  # one iteration is not enough: max_iter is obeyed
    with pytest.raises(ValueError, match="max_iter"):
        lbfgs_polish([x], objective, max_iter=0)
    with pytest.raises(ValueError, match="max_eval"):
        lbfgs_polish([x], objective, max_iter=5, max_eval=0)
    with pytest.raises(ValueError, match="tolerance_grad"):
        lbfgs_polish([x], objective, max_iter=5, tolerance_grad=-1.0)


def test_bad_arguments_raise_naming_the_argument():
    theta = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    ev = _linear(theta, torch.ones(2, dtype=torch.float64))
    with pytest.raises(ValueError, match="params"):
        fit([], ev, steps=1, lr=0.1)
    with pytest.raises(ValueError, match="steps"):
        fit([theta], ev, steps=0, lr=0.1)
    with pytest.raises(ValueError, match="lr"):
        fit([theta], ev, steps=1, lr=-1.0)
    with pytest.raises(ValueError, match="optimizer"):
        fit([theta], ev, steps=1, lr=0.1, optimizer="rmsprop")
    with pytest.raises(ValueError, match="lr_at"):
        fit([theta], ev, steps=3, lr=0.1, lr_at=[0.1, 0.1])
    with pytest.raises(ValueError, match="on_record"):
        fit([theta], ev, steps=3, lr=0.1, record_at=[1])
    with pytest.raises(ValueError, match=r"one loss per member \(members=2\), got 1"):
        fit([theta], ev, steps=1, lr=0.1, members=2)
