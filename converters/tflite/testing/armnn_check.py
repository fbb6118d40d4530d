"""Independent reader check (test-only): runs .tflite files in Arm NN's TfLiteParser + CpuRef backend.

Usage: armnn_check.py <spec.json>. The spec lists models: {"path", "input": name, "shape", "dtype"
("float32" | "int8"), "data": [...], "outputs": [names]}. Prints one JSON object: per model, the
outputs by name as flat lists. Exits 3 when pyarmnn is not installed (Debian: python3-pyarmnn).
"""
import json
import sys

try:
    import numpy as np
    import pyarmnn as ann
except ImportError:
    sys.exit(3)

spec = json.load(open(sys.argv[1]))
runtime = ann.IRuntime(ann.CreationOptions())
results = []
for model in spec["models"]:
    parser = ann.ITfLiteParser()
    network = parser.CreateNetworkFromBinaryFile(model["path"])
    input_info = parser.GetNetworkInputBindingInfo(0, model["input"])
    output_infos = [parser.GetNetworkOutputBindingInfo(0, name) for name in model["outputs"]]
    optimized, _ = ann.Optimize(network, [ann.BackendId("CpuRef")], runtime.GetDeviceSpec(), ann.OptimizerOptions())
    network_id, _ = runtime.LoadNetwork(optimized)
    x = np.array(model["data"], dtype=np.int8 if model["dtype"] == "int8" else np.float32).reshape(model["shape"])
    outputs = ann.make_output_tensors(output_infos)
    runtime.EnqueueWorkload(network_id, ann.make_input_tensors([input_info], [x]), outputs)
    arrays = ann.workload_tensors_to_ndarray(outputs)
    results.append({name: a.astype(np.float64).ravel().tolist() for name, a in zip(model["outputs"], arrays)})
    runtime.UnloadNetwork(network_id)
print(json.dumps(results))
