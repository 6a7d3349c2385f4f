# The PyTorch peer of the medtransfer benchmark: the same nets trained and run with PyTorch on the
# CPU, timed like the JS side; prints one JSON object on its last stdout line. Nets (variants()):
# cbr-tiny, cbr-small, cbr-large-w, cbr-large-t; resnet18, resnet34 (stems imagenet, small);
# resnet50 (torchvision-style imagenet, small; Keras v1 keras, keras-small); mobilenet-v1
# (alpha-{0.25,0.5,0.75,1.0}-{imagenet,small}); inception-v3 (keras). For each net the variant
# whose forward FLOPs match --expect-flops (the zoo's count) is timed.
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

# ---- nets (layouts as packages/zoo/src/cbr.ts, resnet.ts, mobilenet.ts, inception.ts build them)

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


class KerasBottleneck(nn.Module):
    """Keras ResNet50 v1 `block1` (the zoo's resnet50): the stride on the first 1x1 conv (Caffe-style),
    convs with bias, batch norm eps 1.001e-5, a 1x1 projection on every first block of a stage."""

    expansion = 4
    EPS = 1.001e-5

    def __init__(self, cin, c, stride):
        super().__init__()
        out = c * 4
        self.conv1 = nn.Conv2d(cin, c, 1, stride)
        self.bn1 = nn.BatchNorm2d(c, eps=self.EPS)
        self.conv2 = nn.Conv2d(c, c, 3, 1, 1)
        self.bn2 = nn.BatchNorm2d(c, eps=self.EPS)
        self.conv3 = nn.Conv2d(c, out, 1)
        self.bn3 = nn.BatchNorm2d(out, eps=self.EPS)
        self.down = None
        if stride != 1 or cin != out:
            self.down = nn.Sequential(nn.Conv2d(cin, out, 1, stride), nn.BatchNorm2d(out, eps=self.EPS))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return F.relu(y + (x if self.down is None else self.down(x)))


RESNET = {"resnet18": (BasicBlock, [2, 2, 2, 2]), "resnet34": (BasicBlock, [3, 4, 6, 3]), "resnet50": (Bottleneck, [3, 4, 6, 3])}


def resnet(block, counts, stem, num_classes):
    # stem 'imagenet': 7x7/2 conv + 3x3/2 max-pool (torchvision); 'small': 3x3/1 conv, no pool
    # (the usual choice for 28-64 px inputs). The bench picks the one whose FLOPs match ours.
    # Keras blocks get Keras' stem: convs with bias, eps 1.001e-5 (zero padding before the max-pool
    # equals torch's -inf padding after a ReLU).
    keras = block is KerasBottleneck
    eps = KerasBottleneck.EPS if keras else 1e-5
    if stem == "imagenet":
        layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=keras), nn.BatchNorm2d(64, eps=eps), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1)]
    else:
        layers = [nn.Conv2d(3, 64, 3, 1, 1, bias=keras), nn.BatchNorm2d(64, eps=eps), nn.ReLU(inplace=True)]
    cin = 64
    for i, (c, n) in enumerate(zip([64, 128, 256, 512], counts)):
        for j in range(n):
            layers.append(block(cin, c, 2 if (i > 0 and j == 0) else 1))
            cin = c * block.expansion
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, num_classes)]
    return nn.Sequential(*layers)


class TFSamePad(nn.Module):
    """TensorFlow's 'same' padding before a valid strided conv: output ceil(n / stride), the odd pixel
    of padding at the bottom/right (so a 3x3/2 conv on an even side pads only bottom/right)."""

    def __init__(self, kernel, stride):
        super().__init__()
        self.kernel, self.stride = kernel, stride

    def forward(self, x):
        pads = []
        for n in (x.shape[3], x.shape[2]):  # F.pad order: width, then height
            total = max((-(-n // self.stride) - 1) * self.stride + self.kernel - n, 0)
            pads += [total // 2, total - total // 2]
        return F.pad(x, pads)


def bn_relu6(c):
    # Keras' default batch norm (eps 1e-3; momentum 0.99 there, 0.9 in the zoo = torch's 0.1)
    return [nn.BatchNorm2d(c, eps=1e-3), nn.ReLU6(inplace=True)]


# MobileNet v1 (keras.applications mobilenet.py): pointwise width and stride of the 13 blocks
MOBILENET_BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]
MOBILENET_ALPHAS = (0.25, 0.5, 0.75, 1.0)


def mobilenet_v1(alpha, stem, num_classes, dropout=1e-3):
    """Stem 3x3 conv ('same'; stride 2, or 1 with stem 'small') → 13 depthwise-separable blocks (a
    stride-2 depthwise conv after bottom/right zero padding) → GAP → dropout → 1x1 conv head."""
    width = lambda f: int(f * alpha)  # noqa: E731 (Keras' int(filters * alpha))
    c = width(32)
    stride = 1 if stem == "small" else 2
    layers = [TFSamePad(3, 2), nn.Conv2d(3, c, 3, 2, bias=False)] if stride == 2 else [nn.Conv2d(3, c, 3, 1, 1, bias=False)]
    layers += bn_relu6(c)
    for f, s in MOBILENET_BLOCKS:
        if s > 1:
            layers.append(nn.ZeroPad2d((0, 1, 0, 1)))
        layers += [nn.Conv2d(c, c, 3, s, 0 if s > 1 else 1, groups=c, bias=False)] + bn_relu6(c)
        layers += [nn.Conv2d(c, width(f), 1, bias=False)] + bn_relu6(width(f))
        c = width(f)
    layers += [nn.AdaptiveAvgPool2d(1), nn.Dropout(dropout), nn.Conv2d(c, num_classes, 1), nn.Flatten()]
    return nn.Sequential(*layers)


class BNNoScale(nn.BatchNorm2d):
    """Keras batch norm with scale=False (Inception's conv2d_bn): gamma stays 1, not trained."""

    def __init__(self, c):
        super().__init__(c, eps=1e-3)
        self.weight.requires_grad_(False)


def conv_bn(cin, cout, kh, kw, padding="same", stride=1):
    """Keras InceptionV3 `conv2d_bn`: conv (no bias) → BN (no scale) → ReLU; 'same' for odd kernels at
    stride 1 is symmetric padding, every strided conv is 'valid'."""
    pad = (kh // 2, kw // 2) if padding == "same" else 0
    return nn.Sequential(nn.Conv2d(cin, cout, (kh, kw), stride, pad, bias=False), BNNoScale(cout), nn.ReLU(inplace=True))


def avg_pool_same():
    # TF's 'same' average pooling divides by the pixels inside the image only
    return nn.AvgPool2d(3, 1, 1, count_include_pad=False)


class Branches(nn.Module):
    """Runs each branch on the input and concatenates the outputs along channels."""

    def __init__(self, *branches):
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x):
        return torch.cat([b(x) for b in self.branches], 1)


def inception_a(cin, pool):  # mixed0-2, 35x35 at 299 px
    return Branches(
        conv_bn(cin, 64, 1, 1),
        nn.Sequential(conv_bn(cin, 48, 1, 1), conv_bn(48, 64, 5, 5)),
        nn.Sequential(conv_bn(cin, 64, 1, 1), conv_bn(64, 96, 3, 3), conv_bn(96, 96, 3, 3)),
        nn.Sequential(avg_pool_same(), conv_bn(cin, pool, 1, 1)),
    ), 64 + 64 + 96 + pool


def inception_b(cin, c):  # mixed4-7, 17x17: factorised 7x7 convs
    return Branches(
        conv_bn(cin, 192, 1, 1),
        nn.Sequential(conv_bn(cin, c, 1, 1), conv_bn(c, c, 1, 7), conv_bn(c, 192, 7, 1)),
        nn.Sequential(conv_bn(cin, c, 1, 1), conv_bn(c, c, 7, 1), conv_bn(c, c, 1, 7), conv_bn(c, c, 7, 1), conv_bn(c, 192, 1, 7)),
        nn.Sequential(avg_pool_same(), conv_bn(cin, 192, 1, 1)),
    )


def inception_c(cin):  # mixed9-10, 8x8: expanded 1x3 / 3x1 branches
    return Branches(
        conv_bn(cin, 320, 1, 1),
        nn.Sequential(conv_bn(cin, 384, 1, 1), Branches(conv_bn(384, 384, 1, 3), conv_bn(384, 384, 3, 1))),
        nn.Sequential(conv_bn(cin, 448, 1, 1), conv_bn(448, 384, 3, 3), Branches(conv_bn(384, 384, 1, 3), conv_bn(384, 384, 3, 1))),
        nn.Sequential(avg_pool_same(), conv_bn(cin, 192, 1, 1)),
    )


def inception_v3(num_classes):
    """keras.applications InceptionV3 (the zoo's inception-v3): valid stem, mixed0-10, GAP → dense."""
    layers = [
        conv_bn(3, 32, 3, 3, "valid", 2), conv_bn(32, 32, 3, 3, "valid"), conv_bn(32, 64, 3, 3), nn.MaxPool2d(3, 2),
        conv_bn(64, 80, 1, 1, "valid"), conv_bn(80, 192, 3, 3, "valid"), nn.MaxPool2d(3, 2),
    ]
    cin = 192
    for pool in (32, 64, 64):
        block, cin = inception_a(cin, pool)
        layers.append(block)
    # mixed3: reduction 35 → 17
    layers.append(Branches(
        conv_bn(cin, 384, 3, 3, "valid", 2),
        nn.Sequential(conv_bn(cin, 64, 1, 1), conv_bn(64, 96, 3, 3), conv_bn(96, 96, 3, 3, "valid", 2)),
        nn.MaxPool2d(3, 2),
    ))
    cin = 384 + 96 + cin
    for c in (128, 160, 160, 192):
        layers.append(inception_b(cin, c))
        cin = 4 * 192
    # mixed8: reduction 17 → 8
    layers.append(Branches(
        nn.Sequential(conv_bn(cin, 192, 1, 1), conv_bn(192, 320, 3, 3, "valid", 2)),
        nn.Sequential(conv_bn(cin, 192, 1, 1), conv_bn(192, 192, 1, 7), conv_bn(192, 192, 7, 1), conv_bn(192, 192, 3, 3, "valid", 2)),
        nn.MaxPool2d(3, 2),
    ))
    cin = 320 + 192 + cin
    for _ in range(2):
        layers.append(inception_c(cin))
        cin = 320 + 2 * 384 + 2 * 384 + 192
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
        out = [(stem, (lambda s=stem: resnet(block, counts, s, num_classes))) for stem in ("imagenet", "small")]
        if net == "resnet50":
            # Keras ResNet50 v1 as the zoo builds it: 'keras' with the ImageNet stem, 'keras-small' with the small one
            out += [(name, (lambda s=stem: resnet(KerasBottleneck, counts, s, num_classes))) for name, stem in (("keras", "imagenet"), ("keras-small", "small"))]
        return out
    if net == "mobilenet-v1":
        return [(f"alpha-{a}-{stem}", (lambda a=a, s=stem: mobilenet_v1(a, s, num_classes))) for a in MOBILENET_ALPHAS for stem in ("imagenet", "small")]
    if net == "inception-v3":
        return [("keras", lambda: inception_v3(num_classes))]
    return []


# ---- FLOPs: 2 x MACs of conv and linear layers, per image (the JS side's convention) --------


def forward_flops(make, size):
    """Forward FLOPs per image of the net `make()` builds, at size x size px."""
    macs = [0]

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            kh, kw = m.kernel_size
            macs[0] += out.shape[2] * out.shape[3] * m.out_channels * kh * kw * (m.in_channels // m.groups)
        elif isinstance(m, nn.Linear):
            macs[0] += m.in_features * m.out_features

    def count(model, device):
        macs[0] = 0
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                m.register_forward_hook(hook)
        with torch.no_grad():
            model.to(device).eval()(torch.zeros(1, 3, size, size, device=device))
        return 2 * macs[0]

    try:
        # shapes only, no arithmetic: scoring every variant (a 120-GFLOP ResNet-50 'small' at
        # 224 px among them) costs next to nothing
        return count(make(), "meta")
    except (RuntimeError, NotImplementedError):
        return count(make(), "cpu")  # a torch that cannot run the net on the meta device


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
    scored = [(name, make, forward_flops(make, a.size)) for name, make in cands]
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
