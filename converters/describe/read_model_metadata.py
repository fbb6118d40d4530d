"""Independent reader of the metadata ranas writes, for converters/describe/self-describing.test.ts.

Usage: python read_model_metadata.py FILE.tflite|FILE.onnx  → one JSON object on stdout.
TFLite: TensorFlow's own schema code (tensorflow.lite.python.schema_py_generated) finds the TFLITE_METADATA
buffer; the ModelMetadata inside is read with the `flatbuffers` package's Table at the field slots of
tflite-support's metadata_schema.fbs (1.1.0); labels.txt comes out of the zip with Python's zipfile; the
model is run once in tf.lite.Interpreter (the appended zip must not upset it).
ONNX: onnxruntime's InferenceSession.get_modelmeta().custom_metadata_map.
"""
import io
import json
import sys
import zipfile

import flatbuffers
import numpy as np


def table(buf, pos):
    t = flatbuffers.table.Table(buf, pos)
    return t


def field(t, slot):
    return t.Offset(4 + 2 * slot)


def string(t, slot):
    o = field(t, slot)
    return t.String(o + t.Pos).decode() if o else ""


def sub_table(t, slot):
    o = field(t, slot)
    return table(t.Bytes, t.Indirect(o + t.Pos)) if o else None


def tables(t, slot):
    o = field(t, slot)
    if not o:
        return []
    start = t.Vector(o)
    return [table(t.Bytes, t.Indirect(start + 4 * i)) for i in range(t.VectorLen(o))]


def floats(t, slot):
    o = field(t, slot)
    if not o:
        return []
    start = t.Vector(o)
    return [flatbuffers.encode.Get(flatbuffers.packer.float32, t.Bytes, start + 4 * i) for i in range(t.VectorLen(o))]


def byte(t, slot):
    o = field(t, slot)
    return flatbuffers.encode.Get(flatbuffers.packer.int8, t.Bytes, o + t.Pos) if o else 0


def uint(t, slot):
    o = field(t, slot)
    return flatbuffers.encode.Get(flatbuffers.packer.uint32, t.Bytes, o + t.Pos) if o else 0


def read_tflite(path):
    from tensorflow.lite.python import schema_py_generated as schema
    import tensorflow as tf

    data = open(path, "rb").read()
    model = schema.Model.GetRootAs(data, 0)
    names = [model.Metadata(i).Name().decode() for i in range(model.MetadataLength())]
    entry = next(model.Metadata(i) for i in range(model.MetadataLength()) if model.Metadata(i).Name() == b"TFLITE_METADATA")
    meta = model.Buffers(entry.Buffer()).DataAsNumpy().tobytes()
    assert meta[4:8] == b"M001", meta[4:8]
    root = table(bytearray(meta), flatbuffers.encode.Get(flatbuffers.packer.uoffset, bytearray(meta), 0))
    sg = tables(root, 3)[0]
    inputs = []
    for t in tables(sg, 2):
        item = {"name": string(t, 0)}
        content = sub_table(t, 3)
        if content and byte(content, 0) == 2:  # ImageProperties
            props = sub_table(content, 1)
            size = sub_table(props, 1)
            item["image"] = {"width": uint(size, 0), "height": uint(size, 1), "colorSpace": byte(props, 0)}
        for unit in tables(t, 4):
            if byte(unit, 0) == 1:  # NormalizationOptions
                opts = sub_table(unit, 1)
                item["mean"] = floats(opts, 0)
                item["std"] = floats(opts, 1)
        inputs.append(item)
    outputs = []
    for t in tables(sg, 3):
        files = [{"name": string(f, 0), "type": byte(f, 2)} for f in tables(t, 6)]
        outputs.append({"name": string(t, 0), "description": string(t, 1), "files": files})
    labels = zipfile.ZipFile(io.BytesIO(data)).read("labels.txt").decode().splitlines()
    interpreter = tf.lite.Interpreter(model_content=data)
    interpreter.allocate_tensors()
    detail = interpreter.get_input_details()[0]
    interpreter.set_tensor(detail["index"], np.zeros(detail["shape"], dtype=detail["dtype"]))
    interpreter.invoke()
    return {
        "metadataEntries": names, "name": string(root, 0), "version": string(root, 2), "minParserVersion": string(root, 7),
        "inputs": inputs, "outputs": outputs, "labels": labels, "interpreterOutputs": len(interpreter.get_output_details()),
    }


def read_onnx(path):
    import onnxruntime

    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    return {"metadataProps": session.get_modelmeta().custom_metadata_map}


path = sys.argv[1]
print(json.dumps(read_tflite(path) if path.endswith(".tflite") else read_onnx(path)))
