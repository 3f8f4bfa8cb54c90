"""Device, determinism, ONNX export and the model card, shared by both trainers."""
import datetime as dt
import hashlib
import inspect
import io
import json
import os
import re
import subprocess

import numpy as np
import torch


def setup(seed, device_arg):
    torch.manual_seed(seed)
    np.random.seed(seed)
    if device_arg == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    else:
        device = device_arg
        if device.startswith("cuda") and not torch.cuda.is_available():
            raise SystemExit("kilowatch train: --device cuda but PyTorch sees no CUDA device (torch.cuda.is_available() is False)")
    if device == "cpu":
        # Same seed, same machine, same thread count: same bytes.
        torch.use_deterministic_algorithms(True)
        torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    else:
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    return device


def device_name(device):
    if device.startswith("cuda"):
        return f"cuda ({torch.cuda.get_device_name(0)})"
    return f"cpu ({torch.get_num_threads()} threads)"


def code_version():
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10,
                             cwd=os.path.dirname(os.path.abspath(__file__)))
        return rev.stdout.strip() or "unknown"
    except Exception:
        return "unknown"


def export_onnx(module, example, input_name, output_name):
    module = module.cpu().eval()
    buf = io.BytesIO()
    kwargs = {}
    # PyTorch 2.9+ defaults to the dynamo exporter; the TorchScript one gives the same graph on every version.
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False
    with torch.no_grad():
        torch.onnx.export(module, example.cpu(), buf, input_names=[input_name], output_names=[output_name],
                          dynamic_axes={input_name: {0: "batch"}, output_name: {0: "batch"}}, opset_version=17,
                          do_constant_folding=True, **kwargs)
    data = buf.getvalue()
    import onnx
    onnx.checker.check_model(onnx.load_from_string(data))
    return data


def iso_utc(ms):
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def finite(x):
    return [float(v) for v in np.asarray(x, dtype=np.float64).ravel()]


def write_model(out_dir, onnx_bytes, card):
    os.makedirs(out_dir, exist_ok=True)
    card = dict(card)
    card["sha256"] = hashlib.sha256(onnx_bytes).hexdigest()
    with open(os.path.join(out_dir, "model.onnx"), "wb") as f:
        f.write(onnx_bytes)
    with open(os.path.join(out_dir, "card.json"), "w") as f:
        f.write(card_json(card))
    return card


NUMBER_LIST = re.compile(r"\[\s*(-?[0-9][-+0-9.eE]*(?:,\s*-?[0-9][-+0-9.eE]*)*)\s*\]")


def card_json(card):
    """Indented JSON with lists of numbers (golden pairs) kept on one line."""
    text = json.dumps(card, indent=2, allow_nan=False)
    return NUMBER_LIST.sub(lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]", text) + "\n"


def rounded(d, digits=6):
    return {k: float(round(v, digits)) for k, v in d.items()}
