# The PyTorch peer of the medtransfer benchmark: the same nets (CBR, ResNet) trained and run
# with PyTorch on the CPU, timed like the JS side; prints one JSON object on its last stdout line.
#
# Usage: python3 torch_peer.py --net cbr-small --size 28 --batch 32 --time 10 --threads 2
#          [--layouts nchw,channels_last] [--expect-flops N] [--probe]
# PyTorch is a peer for comparison, never a dependency of medtransfer.
import argparse
import json
import math
import platform
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# ---- nets (layouts as packages/zoo/src/cbr.ts builds them) ---------------------------------

CBR = {
    # name: (kernel, channels); every conv is followed by BN, ReLU and a 3x3/2 max-pool
    "cbr-tiny": (5, [32, 64, 128, 256]),
    "cbr-small": (7, [32, 64, 128, 256]),
    "cbr-large-w": (7, [64, 128, 256, 512]),
}
# cbr-large-t: c32 MP c64 MP c128 MP c256 MP c512 (no pool after the last conv)
CBR_LARGE_T = (7, [32, 64, 128, 256, 512])


def cbr_net(kernel, channels, pool_last, num_classes):
    layers, cin = [], 3
    for i, c in enumerate(channels):
        # 'same' padding for odd kernels; conv without bias (the BN shift replaces it)
        layers += [nn.Conv2d(cin, c, kernel, padding=kernel // 2, bias=False), nn.BatchNorm2d(c, momentum=0.1, eps=1e-3), nn.ReLU(inplace=True)]
        if pool_last or i < len(channels) - 1:
            # 3x3 stride 2 with padding 1 gives ceil(n/2), as TensorFlow's 'same' pooling does
            layers.append(nn.MaxPool2d(3, 2, padding=1))
        cin = c
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, num_classes)]
    return nn.Sequential(*layers)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin, c, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, c, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)
        self.down = None
        if stride != 1 or cin != c:
            self.down = nn.Sequential(nn.Conv2d(cin, c, 1, stride, bias=False), nn.BatchNorm2d(c))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.down is None else self.down(x)))


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin, c, stride):
        super().__init__()
        out = c * 4
        self.conv1 = nn.Conv2d(cin, c, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)
        self.conv3 = nn.Conv2d(c, out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out)
        self.down = None
        if stride != 1 or cin != out:
            self.down = nn.Sequential(nn.Conv2d(cin, out, 1, stride, bias=False), nn.BatchNorm2d(out))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return F.relu(y + (x if self.down is None else self.down(x)))


RESNET = {"resnet18": (BasicBlock, [2, 2, 2, 2]), "resnet34": (BasicBlock, [3, 4, 6, 3]), "resnet50": (Bottleneck, [3, 4, 6, 3])}


def resnet(block, counts, stem, num_classes):
    # stem 'imagenet': 7x7/2 conv + 3x3/2 max-pool (torchvision); 'small': 3x3/1 conv, no pool
    # (the usual choice for 28-64 px inputs). The bench picks the one whose FLOPs match ours.
    if stem == "imagenet":
        layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1)]
    else:
        layers = [nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True)]
    cin = 64
    for i, (c, n) in enumerate(zip([64, 128, 256, 512], counts)):
        for j in range(n):
            layers.append(block(cin, c, 2 if (i > 0 and j == 0) else 1))
            cin = c * block.expansion
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, num_classes)]
    return nn.Sequential(*layers)


def variants(net, num_classes):
    """(variant name, constructor) pairs for a net name; empty when the peer does not know it."""
    if net in CBR:
        k, ch = CBR[net]
        return [("same", lambda: cbr_net(k, ch, True, num_classes))]
    if net == "cbr-large-t":
        k, ch = CBR_LARGE_T
        return [("same", lambda: cbr_net(k, ch, False, num_classes))]
    if net in RESNET:
        block, counts = RESNET[net]
        return [(stem, (lambda s=stem: resnet(block, counts, s, num_classes))) for stem in ("imagenet", "small")]
    return []


# ---- FLOPs: 2 x MACs of conv and linear layers, per image (the JS side's convention) --------


def forward_flops(model, size):
    macs = [0]

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            kh, kw = m.kernel_size
            macs[0] += out.shape[2] * out.shape[3] * m.out_channels * kh * kw * (m.in_channels // m.groups)
        elif isinstance(m, nn.Linear):
            macs[0] += m.in_features * m.out_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        model.eval()
        model(torch.zeros(1, 3, size, size))
    for h in handles:
        h.remove()
    return 2 * macs[0]


# ---- timing ---------------------------------------------------------------------------------

T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


def stats(samples):
    """Mean latency (s), relative 95 % margin of error (%) and sample count, as tinybench reports them."""
    n = len(samples)
    mean = sum(samples) / n
    if n < 2:
        return {"mean_s": mean, "rme": 0.0, "samples": n}
    sd = math.sqrt(sum((s - mean) ** 2 for s in samples) / (n - 1))
    crit = T95[n - 2] if n - 1 <= len(T95) else 1.96
    return {"mean_s": mean, "rme": 100.0 * crit * sd / math.sqrt(n) / mean, "samples": n}


def timed(fn, budget_s, warmup_s, min_iters=3, warmup_iters=2):
    t0 = time.perf_counter()
    i = 0
    while i < warmup_iters or time.perf_counter() - t0 < warmup_s:
        fn()
        i += 1
    samples, t0 = [], time.perf_counter()
    while len(samples) < min_iters or time.perf_counter() - t0 < budget_s:
        s = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - s)
    return stats(samples)


def measure(make, layout, batch, size, budget_s, warmup_s, num_classes):
    torch.manual_seed(1)
    model = make()
    x = torch.randn(batch, 3, size, size)
    y = torch.randint(0, num_classes, (batch,))
    if layout == "channels_last":
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def train_step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        loss.item()

    def infer_step():
        with torch.no_grad():
            model(x).sum().item()

    model.train()
    train = timed(train_step, budget_s, warmup_s)
    model.eval()
    infer = timed(infer_step, budget_s, warmup_s)
    for r in (train, infer):
        r["img_per_s"] = batch / r["mean_s"]
    return {"train": train, "infer": infer}


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--net", required=False)
    p.add_argument("--size", type=int, default=28)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--time", type=float, default=10.0, help="seconds per timed measurement")
    p.add_argument("--warmup", type=float, default=1.0, help="seconds of warm-up per measurement")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--classes", type=int, default=2)
    p.add_argument("--layouts", default="nchw,channels_last")
    p.add_argument("--expect-flops", type=float, default=None, help="forward FLOPs per image of our net; picks the matching variant")
    p.add_argument("--probe", action="store_true", help="print versions only")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    out = {"peer": "torch", "torch": torch.__version__, "threads": torch.get_num_threads(), "python": platform.python_version()}
    if a.probe:
        print(json.dumps(out))
        return 0
    out.update({"net": a.net, "size": a.size, "batch": a.batch})
    cands = variants(a.net, a.classes)
    if not cands:
        out["error"] = f'the torch peer does not define net "{a.net}"'
        print(json.dumps(out))
        return 0
    scored = [(name, make, forward_flops(make(), a.size)) for name, make in cands]
    if a.expect_flops:
        scored.sort(key=lambda t: abs(t[2] - a.expect_flops))
    name, make, flops = scored[0]
    out.update({"variant": name, "flops_forward": flops, "layouts": {}})
    for layout in [s for s in a.layouts.split(",") if s]:
        if layout not in ("nchw", "channels_last"):
            out["error"] = f'unknown layout "{layout}"; valid: nchw, channels_last'
            break
        out["layouts"][layout] = measure(make, layout, a.batch, a.size, a.time, a.warmup, a.classes)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
