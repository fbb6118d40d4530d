"""PyTorch CPU on the engine's reference net (src/engine/reference-net.ts), for bench/engine.ts.

Same net and step as the TypeScript side: 32x32x3 input, stem conv3x3 3->16 (no bias), 4 residual blocks
of relu -> depthwise 3x3 -> pointwise 1x1 -> batch-norm (eps 1e-3, running-average factor 0.1) added to
the block input, global average pool, dense 10 with bias, softmax cross-entropy; training is one SGD step
with momentum 0.9, weight decay and gradient clipping (ranas train's defaults) per batch of 64.
Prints one JSON line: {"torch": version, "threads": n, "forwardImgPerSec": f, "trainingImgPerSec": t}.

    python3 bench/torch-reference-net.py [--seconds S] [--batch N]
"""
import argparse
import json
import time

import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dw = nn.Conv2d(c, c, 3, padding=1, groups=c, bias=False)
        self.pw = nn.Conv2d(c, c, 1, bias=False)
        self.bn = nn.BatchNorm2d(c, eps=1e-3, momentum=0.1)

    def forward(self, h):
        return h + self.bn(self.pw(self.dw(torch.relu(h))))


class ReferenceNet(nn.Module):
    def __init__(self, channels=16, blocks=4, classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, channels, 3, padding=1, bias=False)
        self.blocks = nn.Sequential(*[Block(channels) for _ in range(blocks)])
        self.fc = nn.Linear(channels, classes)

    def forward(self, x):
        h = self.blocks(self.stem(x))
        return self.fc(h.mean(dim=(2, 3)))


def timed(budget_s, step):
    step()  # warm-up
    step()
    steps = 0
    t0 = time.perf_counter()
    while steps < 2 or time.perf_counter() - t0 < budget_s:
        step()
        steps += 1
    return steps / (time.perf_counter() - t0)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--seconds', type=float, default=4)
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--lr', type=float, default=0.05)
    p.add_argument('--weight-decay', type=float, default=3e-4)
    p.add_argument('--grad-clip', type=float, default=5)
    a = p.parse_args()
    torch.manual_seed(1)
    net = ReferenceNet()
    x = torch.rand(a.batch, 3, 32, 32) * 2 - 1
    labels = torch.randint(0, 10, (a.batch,))

    net.eval()

    def forward():
        with torch.no_grad():
            net(x)

    forward_steps = timed(a.seconds, forward)

    net.train()
    opt = torch.optim.SGD(net.parameters(), lr=a.lr, momentum=0.9, weight_decay=a.weight_decay)
    loss_fn = nn.CrossEntropyLoss()

    def train():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(x), labels)
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), a.grad_clip)
        opt.step()
        loss.item()  # the loop reads the loss every step, as ranas train does

    train_steps = timed(a.seconds, train)
    print(json.dumps({
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'forwardImgPerSec': forward_steps * a.batch,
        'trainingImgPerSec': train_steps * a.batch,
    }))


if __name__ == '__main__':
    main()
