"""Reference parameter trajectories for packages/engine/src/optimizers/optimizers.test.ts, from
PyTorch's torch.optim (SGD, Adam, AdamW, RMSprop), torch.nn.utils.clip_grad_norm_/clip_grad_value_
and a learning rate set per step from the schedule formula; and the rates of torch's schedulers.

Run from the repository root with Debian's interpreter (python3-torch):
    /usr/bin/python3 packages/engine/reference/optimizer_reference.py > packages/engine/reference/optimizer-reference.json

Problem: two float32 parameter tensors w0 (3 entries) and w1 (2 entries), loss
    sum(a0 * w0**2 + b0 * w0) + sum(a1 * w1**2 + b1 * w1)
(gradient 2·a·w + b), `steps` optimiser steps; w1 is in its own parameter group with learning
rate lr × `mult1` (the per-layer-group multiplier). The learning rate of step t (1-based) is
lrs[t-1], written into the JSON so the TypeScript test applies the same rates. Each case also
holds the medtransfer optimiser config it corresponds to (`config`) and torch's state for w0 under
medtransfer's slot names (`slotsW0`), so the test runs every case without knowing the optimiser.
"""
import json
import math

import torch

torch.set_default_dtype(torch.float32)

A0, B0, W0 = [1.0, 0.5, 2.0], [0.3, -0.2, 0.1], [1.0, -2.0, 0.5]
A1, B1, W1 = [0.25, 3.0], [-1.0, 0.4], [2.0, -0.7]


def multistep(lr, steps, milestones=(0.5, 0.75), gamma=0.1, warmup=0):
    out = []
    for t in range(1, steps + 1):
        f = 1.0
        for m in milestones:
            if t - 1 >= m * steps:
                f *= gamma
        if warmup and t <= warmup:
            f *= t / warmup
        out.append(lr * f)
    return out


def cosine(lr, steps, warmup=0):
    span = max(1, steps - warmup)
    out = []
    for t in range(1, steps + 1):
        j = min(max(0, t - 1 - warmup), span)
        f = (1 + math.cos(math.pi * j / span)) / 2
        if warmup and t <= warmup:
            f *= t / warmup
        out.append(lr * f)
    return out


def linear(lr, steps, warmup=0, min_factor=0.0):
    span = max(1, steps - warmup)
    out = []
    for t in range(1, steps + 1):
        j = min(max(0, t - 1 - warmup), span)
        f = 1 - (1 - min_factor) * j / span
        if warmup and t <= warmup:
            f *= t / warmup
        out.append(lr * f)
    return out


def run(name, opt_name, opt_kwargs, lrs, mult1=1.0, clip_norm=None, clip_value=None):
    w0 = torch.tensor(W0, requires_grad=True)
    w1 = torch.tensor(W1, requires_grad=True)
    a0, b0, a1, b1 = map(torch.tensor, (A0, B0, A1, B1))
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "rmsprop": torch.optim.RMSprop}[opt_name]
    opt = cls([{"params": [w0], "lr": lrs[0]}, {"params": [w1], "lr": lrs[0] * mult1}], **opt_kwargs)
    trajectory = []
    for t, lr in enumerate(lrs):
        opt.param_groups[0]["lr"] = lr
        opt.param_groups[1]["lr"] = lr * mult1
        opt.zero_grad()
        loss = (a0 * w0 ** 2 + b0 * w0).sum() + (a1 * w1 ** 2 + b1 * w1).sum()
        loss.backward()
        if clip_value is not None:
            torch.nn.utils.clip_grad_value_([w0, w1], clip_value)
        if clip_norm is not None:
            torch.nn.utils.clip_grad_norm_([w0, w1], clip_norm)
        opt.step()
        trajectory.append([w0.detach().tolist(), w1.detach().tolist()])
    state = {}
    st = opt.state[w0]
    for k in ("exp_avg", "exp_avg_sq", "momentum_buffer", "square_avg", "grad_avg"):
        if st.get(k) is not None:
            state[k] = st[k].tolist()
    return {
        "name": name, "optimizer": opt_name, "kwargs": opt_kwargs, "lrs": lrs, "mult1": mult1,
        "clipNorm": clip_norm, "clipValue": clip_value, "trajectory": trajectory, "stateW0": state,
        "config": medtransfer_config(opt_name, opt_kwargs, lrs[0]),
        "slotsW0": {SLOT_NAMES[opt_name][k]: v for k, v in state.items()},
    }


# torch's state names → medtransfer's slot names, per optimiser
SLOT_NAMES = {
    "sgd": {"momentum_buffer": "momentum"},
    "adam": {"exp_avg": "m", "exp_avg_sq": "v"},
    "adamw": {"exp_avg": "m", "exp_avg_sq": "v"},
    "rmsprop": {"square_avg": "v", "grad_avg": "mg"},
}

# torch keyword → medtransfer config field
CONFIG_FIELDS = {"momentum": "momentum", "nesterov": "nesterov", "weight_decay": "weightDecay", "eps": "epsilon",
                 "alpha": "alpha", "centered": "centered"}


def medtransfer_config(opt_name, kwargs, lr):
    """The `training.optimizer` mapping that asks medtransfer for the same optimiser."""
    cfg = {"name": opt_name, "lr": lr}
    for k, v in kwargs.items():
        if k == "betas":
            cfg["beta1"], cfg["beta2"] = v
        else:
            cfg[CONFIG_FIELDS[k]] = v
    if opt_name == "adamw" and "weight_decay" not in kwargs:
        cfg["weightDecay"] = 0.01  # torch's AdamW default, as medtransfer's
    return cfg


S = 8
cases = [
    run("sgd-momentum", "sgd", {"momentum": 0.9}, [0.05] * S),
    run("sgd-nesterov-l2", "sgd", {"momentum": 0.9, "nesterov": True, "weight_decay": 0.01}, [0.05] * S),
    run("sgd-plain-multistep", "sgd", {"momentum": 0.0}, multistep(0.1, S)),
    run("adam", "adam", {"betas": (0.9, 0.999), "eps": 1e-7}, [0.01] * S),
    run("adam-l2-groups", "adam", {"betas": (0.9, 0.999), "eps": 1e-7, "weight_decay": 0.05}, [0.01] * S, mult1=0.1),
    run("adamw", "adamw", {"betas": (0.9, 0.999), "eps": 1e-7, "weight_decay": 0.1}, [0.01] * S),
    run("adamw-cosine-warmup-groups", "adamw", {"betas": (0.8, 0.99), "eps": 1e-7, "weight_decay": 0.5},
        cosine(0.05, S, warmup=2), mult1=0.25),
    run("adamw-multistep-warmup", "adamw", {"betas": (0.9, 0.999), "eps": 1e-7, "weight_decay": 0.01},
        multistep(0.02, S, warmup=2)),
    run("sgd-clip-norm", "sgd", {"momentum": 0.9}, [0.05] * S, clip_norm=1.0),
    run("adam-clip-value", "adam", {"betas": (0.9, 0.999), "eps": 1e-7}, [0.01] * S, clip_value=0.5),
    run("rmsprop", "rmsprop", {"alpha": 0.99, "eps": 1e-8}, [0.01] * S),
    run("rmsprop-centered-l2-groups", "rmsprop", {"alpha": 0.9, "eps": 1e-6, "centered": True, "weight_decay": 0.05},
        [0.01] * S, mult1=0.5),
    run("rmsprop-linear-warmup", "rmsprop", {"alpha": 0.95, "eps": 1e-8}, linear(0.02, S, warmup=2)),
]



def scheduler_lrs(make, steps, lr=1.0):
    """The rate of each step as PyTorch's scheduler gives it (scheduler.step() after every optimiser step)."""
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr)
    sched = make(opt)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


schedules = [
    {"name": "multistep-100", "schedule": {"name": "multistep", "milestones": [0.5, 0.75], "gamma": 0.1}, "steps": 100,
     "lrs": scheduler_lrs(lambda o: torch.optim.lr_scheduler.MultiStepLR(o, milestones=[50, 75], gamma=0.1), 100)},
    {"name": "step-every-7", "schedule": {"name": "step", "every": 7, "gamma": 0.5}, "steps": 30,
     "lrs": scheduler_lrs(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.5), 30)},
    {"name": "cosine-40", "schedule": {"name": "cosine", "minFactor": 0}, "steps": 40,
     "lrs": scheduler_lrs(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=40), 40)},
    {"name": "cosine-40-min", "schedule": {"name": "cosine", "minFactor": 0.1}, "steps": 40,
     "lrs": scheduler_lrs(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=40, eta_min=0.1), 40)},
    {"name": "linear-40", "schedule": "linear", "steps": 40,
     "lrs": scheduler_lrs(lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=1.0, end_factor=0.0, total_iters=40), 40)},
    {"name": "linear-30-min", "schedule": {"name": "linear", "minFactor": 0.25}, "steps": 30,
     "lrs": scheduler_lrs(lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=1.0, end_factor=0.25, total_iters=30), 30)},
]

print(json.dumps({
    "producedBy": "/usr/bin/python3 packages/engine/reference/optimizer_reference.py",
    "torch": torch.__version__,
    "problem": {"A0": A0, "B0": B0, "W0": W0, "A1": A1, "B1": B1, "W1": W1},
    "cases": cases,
    "schedules": schedules,
}, indent=1))
