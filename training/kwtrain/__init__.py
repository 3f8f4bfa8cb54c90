"""kilowatch trainers: day-ahead quantile forecaster and energy estimator, PyTorch -> ONNX + model card."""
