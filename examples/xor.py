"""XOR, the first network: learn a function no single straight line can separate.

    x1 x2 | XOR
     0  0 |  0
     0  1 |  1
     1  0 |  1
     1  1 |  0

Network: Linear(2, 3) -> Tanh -> Linear(3, 1) -> Tanh, trained with MSELoss and
plain SGD on the four points (targets -1 for 0 and +1 for 1, the range of tanh).
The loop is written out step by step: forward, loss, backward, update.

Then the same network as a CNN: each point becomes a 1x1 "image" with 2 channels,
and Conv2d(2, 3, kernel_size=1) is exactly Linear(2, 3) applied at that pixel.
Started from the same weights, it learns the same thing.

Run: python examples/xor.py   (a few seconds; deterministic)
"""

import argparse

import numpy as np

from cnn_scratch import nn, optim
from cnn_scratch.models import xor_mlp

parser = argparse.ArgumentParser(description="Train a 2-3-1 tanh network on XOR.")
parser.add_argument("--seed", type=int, default=0, help="seed of the initial weights (default: 0)")
parser.add_argument("--steps", type=int, default=1000, help="SGD steps on the 4 points (default: 1000)")
parser.add_argument("--lr", type=float, default=0.2, help="learning rate (default: 0.2)")
args = parser.parse_args()

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)  # (4, 2)
Y = np.array([[-1], [1], [1], [-1]], dtype=np.float32)  # (4, 1): -1 means 0, +1 means 1


def train(model, x, steps):
    """Full-batch SGD on the four points; prints the loss now and then; returns the last outputs."""
    loss_fn = nn.MSELoss()
    optimizer = optim.SGD(model.parameters(), lr=args.lr)
    for step in range(steps + 1):
        out = model(x)  # forward: (4, 1) or (4, 1, 1, 1)
        loss = loss_fn(out.reshape(4, 1), Y)  # mean of (out - y)^2
        if step % (steps // 10) == 0:
            print(f"  step {step:5d}  loss {loss:.5f}")
        if step == steps:
            return out.reshape(4, 1)
        optimizer.zero_grad()
        dout = loss_fn.backward().reshape(out.shape)  # dL/dout = 2 (out - y) / 4
        model.backward(dout)  # fills p.grad of every parameter
        optimizer.step()  # p.data -= lr * p.grad


def report(out):
    """Print the four predictions and return how many are right."""
    right = 0
    for (x1, x2), o, y in zip(X.astype(int), out[:, 0], Y[:, 0], strict=True):
        predicted, wanted = int(o > 0), int(y > 0)
        right += predicted == wanted
        print(f"  {x1} XOR {x2} -> {predicted}   (output {o:+.3f}, want {wanted})")
    print(f"  {right}/4 correct")
    return right


print("MLP: Linear(2, 3) -> Tanh -> Linear(3, 1) -> Tanh")
mlp = xor_mlp(np.random.default_rng(args.seed))
start = {k: v.copy() for k, v in mlp.state_dict().items()}  # keep the initial weights for the CNN
mlp_correct = report(train(mlp, X, args.steps))

print("CNN: Conv2d(2, 3, kernel_size=1) -> Tanh -> Conv2d(3, 1, kernel_size=1) -> Tanh on 1x1 images")
cnn = nn.Sequential(nn.Conv2d(2, 3, 1), nn.Tanh(), nn.Conv2d(3, 1, 1), nn.Tanh())
# A Linear weight (out, in) is a 1x1 conv weight (out, in, 1, 1): same numbers, one more pair of axes.
cnn.load_state_dict({k: v.reshape(cnn.state_dict()[k].shape) for k, v in start.items()})
cnn_correct = report(train(cnn, X[:, :, None, None], args.steps))  # X as (4, 2, 1, 1) images

print("all correct" if mlp_correct == cnn_correct == 4 else "NOT all correct")
