"""XNNPACK partitions of .tflite files in TensorFlow's own interpreter (the default XNNPACK delegate).

    /work/venv-tf/bin/python bench/tflite-partitions.py FILE.tflite ...

Prints, per file, the number of DELEGATE nodes in the interpreter's ops (one per XNNPACK partition): 1 means
the delegate took the model in one piece; more means builtin kernels run between the partitions. A reader
for the bench table only; the agent does not use TensorFlow.
"""
import json
import sys

import tensorflow as tf


def partitions(path):
    interp = tf.lite.Interpreter(model_path=path, num_threads=1)
    interp.allocate_tensors()
    plan = interp._get_ops_details()  # noqa: SLF001 - the execution plan after delegation
    delegates = sum(1 for op in plan if op["op_name"] == "DELEGATE")
    return {"file": path, "partitions": delegates, "tf": tf.__version__}


for f in sys.argv[1:]:
    print(json.dumps(partitions(f)), flush=True)
