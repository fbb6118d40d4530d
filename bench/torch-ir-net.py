"""PyTorch eager on any ranas IR graph (model.json + weights.bin), for bench/train-presets.ts.

A small interpreter: every IR op (src/ir/types.ts) as its PyTorch equivalent, NCHW (or channels_last),
TensorFlow 'same' padding (extra on the bottom/right), batch-norm with PyTorch's running-average semantics
(running = m * running + (1 - m) * batch, unbiased running variance), avg-pool padding not counted. The
training step is ranas train's: loss = sum_k w_k CE(exit_k) (weights 1), SGD momentum 0.9 + weight decay on
every trainable weight, global-norm clipping at 5, loss read back every step.

    time:   python3 bench/torch-ir-net.py time  MODEL_DIR [--seconds S] [--batch N] [--channels-last] [--weights-only] [--compile]
            → one JSON line {torch, threads, forwardImgPerSec, trainingImgPerSec, trainingImgPerCpuSec, kernelsPerStep}
            --compile: the training step's model through torch.compile (default mode); the compile (the first
            warm-up steps) is timed apart as compileSeconds, the forward figure is skipped (null).
    check:  python3 bench/torch-ir-net.py check MODEL_DIR CASE_DIR
            CASE_DIR holds case.json + case.bin written by the TypeScript side: the batch (x NHWC, labels) and
            ranas's exits, loss and gradients. Prints one JSON line with the differences.

With --weights-only (search supernets), alpha weights (mixedOp `attrs.alpha`) are not trained, as in
ranas's weight step.
"""
import argparse
import json
import math
import os
import resource
import time

import torch
import torch.nn.functional as F


def load_ir(model_dir):
    with open(os.path.join(model_dir, 'model.json')) as f:
        doc = json.load(f)
    with open(os.path.join(model_dir, 'weights.bin'), 'rb') as f:
        raw = f.read()
    weights = {}
    for e in doc['weights']:
        t = torch.frombuffer(bytearray(raw[e['byteOffset']:e['byteOffset'] + e['byteLength']]), dtype=torch.float32)
        weights[e['name']] = (t.reshape(e['shape']) if e['shape'] else t.reshape(()), e['trainable'])
    return doc, weights


def same_pads(size, k, s, d):
    """TF 'same': (before, after) padding of one spatial axis."""
    out = -(-size // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2


class IrNet(torch.nn.Module):
    """Runs the IR nodes in order; weights are parameters (trainable) or buffers, laid out for PyTorch."""

    def __init__(self, doc, weights):
        super().__init__()
        self.doc = doc
        self.pnames = {}
        self.params = torch.nn.ParameterDict()
        self.bufs = {}
        self.conv_filters = conv_filters = {}
        for n in doc['nodes']:
            if n['op'] == 'conv2d':
                conv_filters[n['weights']['filter']] = 'conv'
            elif n['op'] == 'depthwiseConv2d':
                conv_filters[n['weights']['filter']] = 'dw'
        for i, (name, (t, trainable)) in enumerate(weights.items()):
            kind = conv_filters.get(name)
            if kind == 'conv':
                t = t.permute(3, 2, 0, 1)  # HWIO → OIHW
            elif kind == 'dw':
                t = t.permute(2, 3, 0, 1)  # HWC1 → C1HW
            t = t.contiguous().clone()
            key = 'w%d' % i
            self.pnames[name] = key
            if trainable:
                self.params[key] = torch.nn.Parameter(t)
            else:
                self.bufs[name] = t
        self.shapes = {doc['inputs'][0]['name']: doc['inputs'][0]['shape']}
        for n in doc['nodes']:
            self.shapes[n['name']] = self.infer(n)

    def w(self, name):
        key = self.pnames[name]
        return self.params[key] if key in self.params else self.bufs[name]

    def infer(self, n):
        """[H, W, C] of a node's output (enough for padding decisions)."""
        ins = [self.shapes[i] for i in n['inputs']]
        op, a = n['op'], n['attrs']
        if op in ('conv2d', 'depthwiseConv2d', 'maxPool', 'avgPool'):
            h, w_, c = ins[0]
            s = a['strides']
            if a['padding'] == 'same':
                oh, ow = -(-h // s[0]), -(-w_ // s[1])
            else:
                k = a['kernel']
                d = a.get('dilation', [1, 1])
                oh = (h - (k[0] - 1) * d[0] - 1) // s[0] + 1
                ow = (w_ - (k[1] - 1) * d[1] - 1) // s[1] + 1
            oc = a['filters'] if op == 'conv2d' else c
            return [oh, ow, oc]
        if op == 'concat':
            return [ins[0][0], ins[0][1], sum(i[2] for i in ins)]
        if op == 'globalAvgPool':
            return [ins[0][2]]
        if op == 'dense':
            return [a['units']]
        return ins[0]

    def pads(self, n, x_shape, k, d):
        a = n['attrs']
        if a['padding'] != 'same':
            return (0, 0, 0, 0)
        h, w_ = x_shape[0], x_shape[1]
        ph = same_pads(h, k[0], a['strides'][0], d[0])
        pw = same_pads(w_, k[1], a['strides'][1], d[1])
        return (pw[0], pw[1], ph[0], ph[1])

    def conv(self, n, x, depthwise):
        a = n['attrs']
        f = self.w(n['weights']['filter'])
        k = list(f.shape[2:])
        p = self.pads(n, self.shapes[n['inputs'][0]], k, a['dilation'])
        groups = x.shape[1] if depthwise else 1
        if p[0] == p[1] and p[2] == p[3]:
            y = F.conv2d(x, f, None, a['strides'], (p[2], p[0]), a['dilation'], groups)
        else:
            y = F.conv2d(F.pad(x, p), f, None, a['strides'], 0, a['dilation'], groups)
        if 'bias' in n['weights']:
            y = y + self.w(n['weights']['bias']).view(1, -1, 1, 1)
        return torch.relu(y) if a['activation'] == 'relu' else y

    def pool(self, n, x, kind):
        a = n['attrs']
        k, s = a['kernel'], a['strides']
        p = self.pads(n, self.shapes[n['inputs'][0]], k, [1, 1])
        if kind == 'max':
            if k == [1, 1]:
                return x[:, :, ::s[0], ::s[1]]
            if p[0] == p[1] and p[2] == p[3]:
                return F.max_pool2d(x, k, s, (p[2], p[0]))
            return F.max_pool2d(F.pad(x, p, value=-math.inf), k, s)
        if p[0] == p[1] and p[2] == p[3]:
            return F.avg_pool2d(x, k, s, (p[2], p[0]), count_include_pad=False)
        ones = torch.ones((1, 1) + tuple(x.shape[2:]), dtype=x.dtype)
        count = F.avg_pool2d(F.pad(ones, p), k, s, divisor_override=1)
        return F.avg_pool2d(F.pad(x, p), k, s, divisor_override=1) / count

    def node(self, n, ins):
        op, a, wn = n['op'], n['attrs'], n['weights']
        if op == 'conv2d':
            return self.conv(n, ins[0], False)
        if op == 'depthwiseConv2d':
            return self.conv(n, ins[0], True)
        if op == 'batchNorm':
            gamma = self.w(wn['gamma']) if a['affine'] else None
            beta = self.w(wn['beta']) if a['affine'] else None
            return F.batch_norm(ins[0], self.w(wn['movingMean']), self.w(wn['movingVariance']), gamma, beta,
                                self.training, 1 - a['momentum'], a['epsilon'])
        if op == 'relu':
            return torch.relu(ins[0])
        if op == 'add':
            y = ins[0]
            for t in ins[1:]:
                y = y + t
            return torch.relu(y) if a['activation'] == 'relu' else y
        if op == 'concat':
            return ins[0] if len(ins) == 1 else torch.cat(ins, 1)
        if op == 'maxPool':
            return self.pool(n, ins[0], 'max')
        if op == 'avgPool':
            return self.pool(n, ins[0], 'avg')
        if op == 'globalAvgPool':
            return ins[0].mean(dim=(2, 3))
        if op == 'dense':
            x = ins[0].flatten(1)
            y = x @ self.w(wn['kernel'])
            if 'bias' in wn:
                y = y + self.w(wn['bias'])
            return torch.relu(y) if a['activation'] == 'relu' else y
        if op == 'mixedOp':
            sm = self.softmaxes.get(a['alpha'])
            if sm is None:
                sm = self.softmaxes[a['alpha']] = torch.softmax(self.w(a['alpha']), 1)
            present = [k for k, p in enumerate(a['primitives']) if p != 'none']
            y = ins[0] * sm[a['row'], present[0]]
            for t, k in zip(ins[1:], present[1:]):
                y = y + t * sm[a['row'], k]
            return y
        raise ValueError('op %s has no PyTorch form here' % op)

    def forward(self, x):
        self.softmaxes = {}
        values = {self.doc['inputs'][0]['name']: x}
        for n in self.doc['nodes']:
            values[n['name']] = self.node(n, [values[i] for i in n['inputs']])
        return [values[e['tensor']] for e in self.doc['exits']]

    def alpha_keys(self):
        return {self.pnames[n['attrs']['alpha']] for n in self.doc['nodes'] if n['op'] == 'mixedOp'}


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def timed(budget_s, step):
    step()  # warm-up
    step()
    steps = 0
    c0 = cpu_seconds()
    t0 = time.perf_counter()
    while steps < 2 or time.perf_counter() - t0 < budget_s:
        step()
        steps += 1
    return steps / (time.perf_counter() - t0), steps / (cpu_seconds() - c0)


def trainer(net, a):
    keys = set(net.params.keys()) - (net.alpha_keys() if a.weights_only else set())
    params = [p for k, p in net.params.items() if k in keys]
    opt = torch.optim.SGD(params, lr=a.lr, momentum=0.9, weight_decay=a.weight_decay)
    return params, opt


def cmd_time(a):
    doc, weights = load_ir(a.model)
    net = IrNet(doc, weights)
    torch.manual_seed(1)
    shape = doc['inputs'][0]['shape']
    x = torch.rand(a.batch, shape[2], shape[0], shape[1]) * 2 - 1
    labels = torch.randint(0, 10, (a.batch,))
    if a.channels_last:
        net = net.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    net.eval()

    def forward():
        with torch.no_grad():
            net(x)

    fwd = None if a.compile else timed(a.seconds, forward)[0]
    net.train()
    params, opt = trainer(net, a)
    model = torch.compile(net) if a.compile else net

    def train():
        opt.zero_grad(set_to_none=True)
        loss = sum(F.cross_entropy(e, labels) for e in model(x))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, a.grad_clip)
        opt.step()
        loss.item()

    compile_s = None
    if a.compile:
        t0 = time.perf_counter()
        train()
        compile_s = time.perf_counter() - t0
    train_ps, train_pcs = timed(a.seconds, train)
    kernels = None
    try:
        from torch.profiler import profile, ProfilerActivity
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            train()
        # top-level aten ops (an op's own sub-ops are not separate launches)
        kernels = sum(1 for e in prof.events() if e.name.startswith('aten::') and (e.cpu_parent is None or not e.cpu_parent.name.startswith('aten::')))
    except Exception:  # the profiler is a nicety; the figures stand without it
        kernels = None
    print(json.dumps({
        'torch': torch.__version__, 'threads': torch.get_num_threads(),
        'forwardImgPerSec': None if fwd is None else fwd * a.batch, 'trainingImgPerSec': train_ps * a.batch,
        'trainingImgPerCpuSec': train_pcs * a.batch, 'kernelsPerStep': kernels, 'compileSeconds': compile_s,
    }))


def rel_l2(a, b):
    d = float(torch.linalg.vector_norm(a - b))
    s = max(float(torch.linalg.vector_norm(b)), 1e-30)
    return d / s


def check_gradients(model_dir, x, labels, dtype):
    """Exits, loss and gradients (by IR weight name, PyTorch layout) of one training forward in `dtype`."""
    doc, weights = load_ir(model_dir)
    net = IrNet(doc, weights).to(dtype)
    net.bufs = {k: v.to(dtype) for k, v in net.bufs.items()}
    net.train()
    exits = net(x.to(dtype))
    loss = sum(F.cross_entropy(e, labels) for e in exits)
    loss.backward()
    grads = {}
    for name, key in net.pnames.items():
        if key in net.params:
            p = net.params[key]
            grads[name] = (p.grad if p.grad is not None else torch.zeros_like(p)).detach().double()
    return net, [e.detach() for e in exits], float(loss.detach()), grads


def cmd_check(a):
    with open(os.path.join(a.case, 'case.json')) as f:
        case = json.load(f)
    with open(os.path.join(a.case, 'case.bin'), 'rb') as f:
        raw = f.read()

    def arr(entry, dtype=torch.float32):
        return torch.frombuffer(bytearray(raw[entry['byteOffset']:entry['byteOffset'] + entry['byteLength']]), dtype=dtype).reshape(entry['shape'])

    x = arr(case['x']).permute(0, 3, 1, 2).contiguous()
    labels = arr(case['labels'], torch.int32).long()
    net, exits, loss, g32 = check_gradients(a.model, x, labels, torch.float32)
    _, _, _, g64 = check_gradients(a.model, x, labels, torch.float64)
    out = {'exits': max(rel_l2(e, arr(r)) for e, r in zip(exits, case['exits'])),
           'loss': abs(loss - case['loss']) / abs(case['loss'])}
    total = math.sqrt(sum(float(torch.linalg.vector_norm(g)) ** 2 for g in g64.values()))
    grads = []
    for name, entry in case['grads'].items():
        g = g32[name]
        ours = arr(entry).double()
        kind = net.conv_filters.get(name, 'other')
        if kind == 'conv':
            ours = ours.permute(3, 2, 0, 1)
        elif kind == 'dw':
            ours = ours.permute(2, 3, 0, 1)
        ours = ours.reshape(g.shape)
        norm = float(torch.linalg.vector_norm(g64[name]))
        grads.append({'name': name, 'relL2': rel_l2(ours, g), 'norm': norm, 'normShare': norm / max(total, 1e-30),
                      'maxAbsDiff': float((ours - g).abs().max()), 'kind': kind,
                      # against a float64 run of the same graph: how far each float32 implementation is from exact
                      'ranasVs64': rel_l2(ours, g64[name]), 'torchVs64': rel_l2(g, g64[name])})
    grads.sort(key=lambda gr: -gr['relL2'])
    out['gradients'] = grads
    # running statistics: max |ranas - torch| over max(|torch|, 0.01) per buffer (means near 0 after a
    # batch-norm'd input are pure rounding noise, so a relative L2 there says nothing)
    running = []
    for name, entry in case.get('buffers', {}).items():
        b = net.bufs[name]
        running.append(float((arr(entry) - b).abs().max()) / max(float(b.abs().max()), 1e-2))
    out['running'] = max(running) if running else 0.0
    norms = sorted(gr['norm'] for gr in grads)
    out['medianGradNorm'] = norms[len(norms) // 2] if norms else 0.0
    print(json.dumps(out))


def main():
    p = argparse.ArgumentParser()
    p.add_argument('cmd', choices=['time', 'check'])
    p.add_argument('model')
    p.add_argument('case', nargs='?')
    p.add_argument('--seconds', type=float, default=4)
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--channels-last', action='store_true')
    p.add_argument('--weights-only', action='store_true')
    p.add_argument('--compile', action='store_true', help='torch.compile the training model')
    p.add_argument('--threads', type=int, default=0, help='torch.set_num_threads (0: torch default)')
    p.add_argument('--lr', type=float, default=0.05)
    p.add_argument('--weight-decay', type=float, default=3e-4)
    p.add_argument('--grad-clip', type=float, default=5)
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    (cmd_time if a.cmd == 'time' else cmd_check)(a)


if __name__ == '__main__':
    main()
