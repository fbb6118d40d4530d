/*
 * ranas_graph.node: a TensorFlow graph and session from JavaScript through the TF C API, so a whole static
 * training step (forward, gradients, running statistics) runs as one TF_SessionRun instead of a thousand
 * eager op calls. Built by `ranas setup native` against the same libtensorflow_cc.so.2 tfjs-node loads, so
 * both share one TensorFlow runtime in the process.
 *
 * JS interface (wrapped by src/engine/native/tf-graph.ts, which is the only caller):
 *   newGraph() -> graph
 *   addOp(graph, type, name, inputs, attrs) -> op id
 *     inputs: array of [opId, outIndex] or of arrays of those (a list input)
 *     attrs:  array of [name, kind, value]; kinds: type, int, ints, float, bool, string, shape, tensor
 *             (tensor value: [dtype, shape, typedArray])
 *   outputShape(graph, opId, index) -> int array (-1 unknown) or null when the rank is unknown
 *   addGradients(graph, ys, dys | null, xs) -> array of [opId, index] (opId -1: no gradient)
 *   newSession(graph, intraThreads, interThreads) -> session
 *   run(session, feeds, fetches, targets, trace) -> array of [shape, typedArray]; with trace true, one more
 *     last element [null, Uint8Array]: the serialized RunMetadata of a FULL_TRACE run (per-node step stats)
 *     feeds: array of [opId, index, shape, Float32Array | Int32Array]; fetches: [opId, index]; targets: opId
 *   closeSession(session)
 * The caller keeps a graph's JS value alive as long as any of its sessions (run() reads the op table).
 * Errors are thrown as JS Errors whose message starts with the TF status text.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tensorflow/c/c_api.h>

typedef struct {
  TF_Graph *graph;
  TF_Operation **ops;
  size_t count, cap;
} Graph;

typedef struct {
  TF_Session *session;
  Graph *graph;
} Session;

#define CHECK_NAPI(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, "ranas_graph: N-API call failed: " #call); return NULL; } } while (0)

static napi_value throwf(napi_env env, const char *what, const char *detail) {
  char buf[2048];
  snprintf(buf, sizeof buf, "%s: %s", what, detail ? detail : "");
  napi_throw_error(env, NULL, buf);
  return NULL;
}

static int op_id(Graph *g, TF_Operation *op) {
  for (size_t i = g->count; i > 0; i--) if (g->ops[i - 1] == op) return (int)(i - 1);
  if (g->count == g->cap) {
    g->cap = g->cap ? g->cap * 2 : 256;
    g->ops = realloc(g->ops, g->cap * sizeof *g->ops);
  }
  g->ops[g->count] = op;
  return (int)g->count++;
}

static void graph_finalize(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  Graph *g = data;
  TF_DeleteGraph(g->graph);
  free(g->ops);
  free(g);
}

/* Type tags of the two externals, so a session passed where a graph is expected (or anything else) is refused. */
static const napi_type_tag GRAPH_TAG = { 0x72616e6173677261ULL, 0x7068000000000001ULL };
static const napi_type_tag SESSION_TAG = { 0x72616e6173736573ULL, 0x73696f6e00000002ULL };

static void *get_tagged(napi_env env, napi_value v, const napi_type_tag *tag) {
  bool ok = false;
  void *p = NULL;
  if (napi_check_object_type_tag(env, v, tag, &ok) != napi_ok || !ok) return NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok) return NULL;
  return p;
}

/*
 * Reads up to `cap` arguments into argv (missing ones undefined) of a call that needs `want` and whose first
 * is a handle of kind `tag`; NULL (after throwing "what: usage") when they are not there.
 */
static void *tagged_call(napi_env env, napi_callback_info info, napi_value *argv, size_t cap, size_t want, const napi_type_tag *tag, const char *what, const char *usage) {
  size_t argc = cap;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) { throwf(env, what, "cannot read the arguments"); return NULL; }
  void *h = argc >= want ? get_tagged(env, argv[0], tag) : NULL;
  if (!h) throwf(env, what, usage);
  return h;
}

static Graph *graph_call(napi_env env, napi_callback_info info, napi_value *argv, size_t want, const char *what, const char *usage) {
  return tagged_call(env, info, argv, want, want, &GRAPH_TAG, what, usage);
}

static napi_value new_graph(napi_env env, napi_callback_info info) {
  (void)info;
  Graph *g = calloc(1, sizeof *g);
  g->graph = TF_NewGraph();
  napi_value out;
  CHECK_NAPI(napi_create_external(env, g, graph_finalize, NULL, &out));
  CHECK_NAPI(napi_type_tag_object(env, out, &GRAPH_TAG));
  return out;
}

static int get_int(napi_env env, napi_value v) {
  int32_t x = 0;
  napi_get_value_int32(env, v, &x);
  return x;
}

static napi_value elem(napi_env env, napi_value arr, uint32_t i) {
  napi_value v = NULL;
  napi_get_element(env, arr, i, &v);
  return v;
}

static uint32_t length(napi_env env, napi_value arr) {
  uint32_t n = 0;
  napi_get_array_length(env, arr, &n);
  return n;
}

static char *get_string(napi_env env, napi_value v) {
  size_t len = 0;
  napi_get_value_string_utf8(env, v, NULL, 0, &len);
  char *s = malloc(len + 1);
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  return s;
}

static TF_DataType dtype_of(const char *name) {
  if (!strcmp(name, "float32")) return TF_FLOAT;
  if (!strcmp(name, "int32")) return TF_INT32;
  return (TF_DataType)-1;
}

/* Reads [opId, index]; returns 0 on a bad pair. */
static int get_output(napi_env env, Graph *g, napi_value pair, TF_Output *out) {
  bool is_arr = false;
  napi_is_array(env, pair, &is_arr);
  if (!is_arr || length(env, pair) != 2) return 0;
  int id = get_int(env, elem(env, pair, 0));
  if (id < 0 || (size_t)id >= g->count) return 0;
  out->oper = g->ops[id];
  out->index = get_int(env, elem(env, pair, 1));
  return 1;
}

static int64_t *get_int64s(napi_env env, napi_value arr, uint32_t *n) {
  *n = length(env, arr);
  int64_t *v = malloc((*n ? *n : 1) * sizeof *v);
  for (uint32_t i = 0; i < *n; i++) {
    double d = 0;
    napi_get_value_double(env, elem(env, arr, i), &d);
    v[i] = (int64_t)d;
  }
  return v;
}

/* Copies a typed array into a new TF_Tensor of `shape`; NULL (and *err set) when sizes disagree. */
static TF_Tensor *tensor_from(napi_env env, napi_value shape_v, napi_value data_v, const char **err) {
  napi_typedarray_type type;
  size_t count = 0;
  void *data = NULL;
  if (napi_get_typedarray_info(env, data_v, &type, &count, &data, NULL, NULL) != napi_ok) { *err = "expected a typed array"; return NULL; }
  TF_DataType dt;
  size_t elem_size;
  if (type == napi_float32_array) { dt = TF_FLOAT; elem_size = 4; }
  else if (type == napi_int32_array) { dt = TF_INT32; elem_size = 4; }
  else { *err = "expected a Float32Array or Int32Array"; return NULL; }
  uint32_t rank = 0;
  int64_t *dims = get_int64s(env, shape_v, &rank);
  size_t want = 1;
  for (uint32_t i = 0; i < rank; i++) want *= (size_t)dims[i];
  if (want != count) { free(dims); *err = "the shape's element count differs from the array's length"; return NULL; }
  TF_Tensor *t = TF_AllocateTensor(dt, dims, (int)rank, count * elem_size);
  free(dims);
  if (count) memcpy(TF_TensorData(t), data, count * elem_size);
  return t;
}

static int set_attr(napi_env env, TF_OperationDescription *d, napi_value attr, TF_Status *s, const char **err) {
  char *name = get_string(env, elem(env, attr, 0));
  char *kind = get_string(env, elem(env, attr, 1));
  napi_value v = elem(env, attr, 2);
  int ok = 1;
  if (!strcmp(kind, "type")) {
    char *t = get_string(env, v);
    TF_DataType dt = dtype_of(t);
    free(t);
    if ((int)dt < 0) { *err = "unknown dtype (expected float32 or int32)"; ok = 0; }
    else TF_SetAttrType(d, name, dt);
  } else if (!strcmp(kind, "int")) {
    double x = 0;
    napi_get_value_double(env, v, &x);
    TF_SetAttrInt(d, name, (int64_t)x);
  } else if (!strcmp(kind, "ints")) {
    uint32_t n;
    int64_t *xs = get_int64s(env, v, &n);
    TF_SetAttrIntList(d, name, xs, (int)n);
    free(xs);
  } else if (!strcmp(kind, "float")) {
    double x = 0;
    napi_get_value_double(env, v, &x);
    TF_SetAttrFloat(d, name, (float)x);
  } else if (!strcmp(kind, "bool")) {
    bool b = false;
    napi_get_value_bool(env, v, &b);
    TF_SetAttrBool(d, name, b ? 1 : 0);
  } else if (!strcmp(kind, "string")) {
    char *str = get_string(env, v);
    TF_SetAttrString(d, name, str, strlen(str));
    free(str);
  } else if (!strcmp(kind, "shape")) {
    uint32_t n;
    int64_t *xs = get_int64s(env, v, &n);
    TF_SetAttrShape(d, name, xs, (int)n);
    free(xs);
  } else if (!strcmp(kind, "tensor")) {
    TF_Tensor *t = tensor_from(env, elem(env, v, 1), elem(env, v, 2), err);
    if (!t) ok = 0;
    else {
      TF_SetAttrTensor(d, name, t, s);
      TF_DeleteTensor(t);
      if (TF_GetCode(s) != TF_OK) { *err = TF_Message(s); ok = 0; }
    }
  } else {
    *err = "unknown attribute kind (expected type, int, ints, float, bool, string, shape or tensor)";
    ok = 0;
  }
  free(name);
  free(kind);
  return ok;
}

static napi_value add_op(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  Graph *g = graph_call(env, info, argv, 5, "addOp", "expected (graph, type, name, inputs, attrs)");
  if (!g) return NULL;
  char *type = get_string(env, argv[1]);
  char *name = get_string(env, argv[2]);
  TF_OperationDescription *d = TF_NewOperation(g->graph, type, name);
  const char *err = NULL;
  uint32_t nin = length(env, argv[3]);
  for (uint32_t i = 0; i < nin && !err; i++) {
    napi_value in = elem(env, argv[3], i);
    napi_value first = elem(env, in, 0);
    bool nested = false;
    napi_is_array(env, first, &nested);
    if (nested) {
      uint32_t k = length(env, in);
      TF_Output *list = malloc((k ? k : 1) * sizeof *list);
      for (uint32_t j = 0; j < k && !err; j++) if (!get_output(env, g, elem(env, in, j), &list[j])) err = "bad input in a list (expected [opId, index])";
      if (!err) TF_AddInputList(d, list, (int)k);
      free(list);
    } else {
      TF_Output o;
      if (!get_output(env, g, in, &o)) err = "bad input (expected [opId, index])";
      else TF_AddInput(d, o);
    }
  }
  TF_Status *s = TF_NewStatus();
  uint32_t nattr = length(env, argv[4]);
  for (uint32_t i = 0; i < nattr && !err; i++) set_attr(env, d, elem(env, argv[4], i), s, &err);
  char msg[1024] = "";
  if (err) snprintf(msg, sizeof msg, "%s %s: %s", type, name, err);
  /* TF_FinishOperation must be called even on error, to release the description. */
  TF_Operation *op = TF_FinishOperation(d, s);
  if (!err && TF_GetCode(s) != TF_OK) snprintf(msg, sizeof msg, "%s %s: %s", type, name, TF_Message(s));
  TF_DeleteStatus(s);
  free(type);
  free(name);
  if (msg[0]) return throwf(env, "addOp", msg);
  napi_value out;
  CHECK_NAPI(napi_create_int32(env, op_id(g, op), &out));
  return out;
}

static napi_value output_shape(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  Graph *g = graph_call(env, info, argv, 3, "outputShape", "expected (graph, opId, index)");
  if (!g) return NULL;
  int id = get_int(env, argv[1]);
  if (id < 0 || (size_t)id >= g->count) return throwf(env, "outputShape", "no op with that id");
  TF_Output o = { g->ops[id], get_int(env, argv[2]) };
  TF_Status *s = TF_NewStatus();
  int rank = TF_GraphGetTensorNumDims(g->graph, o, s);
  napi_value out;
  if (TF_GetCode(s) != TF_OK || rank < 0) {
    TF_DeleteStatus(s);
    napi_get_null(env, &out);
    return out;
  }
  int64_t dims[16];
  if (rank > 16) rank = 16;
  TF_GraphGetTensorShape(g->graph, o, dims, rank, s);
  TF_DeleteStatus(s);
  CHECK_NAPI(napi_create_array_with_length(env, (size_t)rank, &out));
  for (int i = 0; i < rank; i++) {
    napi_value d;
    napi_create_int64(env, dims[i], &d);
    napi_set_element(env, out, (uint32_t)i, d);
  }
  return out;
}

static TF_Output *get_outputs(napi_env env, Graph *g, napi_value arr, uint32_t *n) {
  *n = length(env, arr);
  TF_Output *v = malloc((*n ? *n : 1) * sizeof *v);
  for (uint32_t i = 0; i < *n; i++) {
    if (!get_output(env, g, elem(env, arr, i), &v[i])) { free(v); return NULL; }
  }
  return v;
}

static napi_value add_gradients(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  Graph *g = graph_call(env, info, argv, 4, "addGradients", "expected (graph, ys, dys | null, xs)");
  if (!g) return NULL;
  uint32_t ny, nx, ndy = 0;
  TF_Output *ys = get_outputs(env, g, argv[1], &ny);
  TF_Output *xs = get_outputs(env, g, argv[3], &nx);
  napi_valuetype t;
  napi_typeof(env, argv[2], &t);
  TF_Output *dys = t == napi_null ? NULL : get_outputs(env, g, argv[2], &ndy);
  if (!ys || !xs || (t != napi_null && (!dys || ndy != ny))) {
    free(ys); free(xs); free(dys);
    return throwf(env, "addGradients", "bad ys, dys or xs (expected arrays of [opId, index], dys as long as ys)");
  }
  TF_Output *dx = calloc(nx ? nx : 1, sizeof *dx);
  TF_Status *s = TF_NewStatus();
  TF_AddGradients(g->graph, ys, (int)ny, xs, (int)nx, dys, s, dx);
  free(ys); free(xs); free(dys);
  if (TF_GetCode(s) != TF_OK) {
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", TF_Message(s));
    TF_DeleteStatus(s);
    free(dx);
    return throwf(env, "addGradients", msg);
  }
  TF_DeleteStatus(s);
  napi_value out;
  CHECK_NAPI(napi_create_array_with_length(env, nx, &out));
  for (uint32_t i = 0; i < nx; i++) {
    napi_value pair, a, b;
    napi_create_array_with_length(env, 2, &pair);
    napi_create_int32(env, dx[i].oper ? op_id(g, dx[i].oper) : -1, &a);
    napi_create_int32(env, dx[i].index, &b);
    napi_set_element(env, pair, 0, a);
    napi_set_element(env, pair, 1, b);
    napi_set_element(env, out, i, pair);
  }
  free(dx);
  return out;
}

/* Closes and deletes the TensorFlow session (once). */
static void end_session(Session *ss) {
  if (!ss->session) return;
  TF_Status *s = TF_NewStatus();
  TF_CloseSession(ss->session, s);
  TF_DeleteSession(ss->session, s);
  TF_DeleteStatus(s);
  ss->session = NULL;
}

static void session_finalize(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  end_session(data);
  free(data);
}

/* ConfigProto with intra_op_parallelism_threads (field 2) and inter_op_parallelism_threads (field 5). */
static size_t config_proto(unsigned char *buf, int intra, int inter) {
  size_t n = 0;
  if (intra > 0) { buf[n++] = 0x10; buf[n++] = (unsigned char)(intra & 0x7f); }
  if (inter > 0) { buf[n++] = 0x28; buf[n++] = (unsigned char)(inter & 0x7f); }
  return n;
}

static napi_value new_session(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  Graph *g = graph_call(env, info, argv, 3, "newSession", "expected (graph, intraThreads, interThreads)");
  if (!g) return NULL;
  int intra = get_int(env, argv[1]), inter = get_int(env, argv[2]);
  if (intra > 127 || inter > 127) return throwf(env, "newSession", "thread counts above 127 are not supported");
  TF_Status *s = TF_NewStatus();
  TF_SessionOptions *opts = TF_NewSessionOptions();
  unsigned char proto[8];
  size_t n = config_proto(proto, intra, inter);
  if (n) TF_SetConfig(opts, proto, n, s);
  TF_Session *sess = TF_GetCode(s) == TF_OK ? TF_NewSession(g->graph, opts, s) : NULL;
  TF_DeleteSessionOptions(opts);
  if (TF_GetCode(s) != TF_OK) {
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", TF_Message(s));
    TF_DeleteStatus(s);
    return throwf(env, "newSession", msg);
  }
  TF_DeleteStatus(s);
  Session *ss = calloc(1, sizeof *ss);
  ss->session = sess;
  ss->graph = g;
  napi_value out;
  CHECK_NAPI(napi_create_external(env, ss, session_finalize, NULL, &out));
  CHECK_NAPI(napi_type_tag_object(env, out, &SESSION_TAG));
  return out;
}

static napi_value close_session(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Session *ss = tagged_call(env, info, argv, 1, 1, &SESSION_TAG, "closeSession", "expected a session");
  if (!ss) return NULL;
  end_session(ss);
  return NULL;
}

static napi_value run(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  Session *ss = tagged_call(env, info, argv, 5, 4, &SESSION_TAG, "run", "expected (session, feeds, fetches, targets[, trace])");
  if (!ss) return NULL;
  bool trace = false;
  napi_get_value_bool(env, argv[4], &trace);
  if (!ss->session) return throwf(env, "run", "the session is closed");
  Graph *g = ss->graph;
  uint32_t nfeed = length(env, argv[1]), nfetch = 0, ntarget = length(env, argv[3]);
  TF_Output *feed_out = malloc((nfeed ? nfeed : 1) * sizeof *feed_out);
  TF_Tensor **feed_val = calloc(nfeed ? nfeed : 1, sizeof *feed_val);
  const char *err = NULL;
  for (uint32_t i = 0; i < nfeed && !err; i++) {
    napi_value f = elem(env, argv[1], i);
    napi_value pair;
    napi_create_array_with_length(env, 2, &pair);
    napi_set_element(env, pair, 0, elem(env, f, 0));
    napi_set_element(env, pair, 1, elem(env, f, 1));
    if (!get_output(env, g, pair, &feed_out[i])) { err = "bad feed (expected [opId, index, shape, data])"; break; }
    feed_val[i] = tensor_from(env, elem(env, f, 2), elem(env, f, 3), &err);
  }
  TF_Output *fetch_out = err ? NULL : get_outputs(env, g, argv[2], &nfetch);
  if (!err && !fetch_out) err = "bad fetch (expected [opId, index])";
  TF_Operation **targets = malloc((ntarget ? ntarget : 1) * sizeof *targets);
  for (uint32_t i = 0; i < ntarget && !err; i++) {
    int id = get_int(env, elem(env, argv[3], i));
    if (id < 0 || (size_t)id >= g->count) err = "bad target op id";
    else targets[i] = g->ops[id];
  }
  char msg[2048] = "";
  TF_Tensor **fetch_val = calloc(nfetch ? nfetch : 1, sizeof *fetch_val);
  /* RunOptions{trace_level: FULL_TRACE} */
  static const unsigned char full_trace[] = { 0x08, 0x03 };
  TF_Buffer *run_opts = trace ? TF_NewBufferFromString(full_trace, sizeof full_trace) : NULL;
  TF_Buffer *meta = trace ? TF_NewBuffer() : NULL;
  if (!err) {
    TF_Status *s = TF_NewStatus();
    TF_SessionRun(ss->session, run_opts, feed_out, feed_val, (int)nfeed, fetch_out, fetch_val, (int)nfetch, (const TF_Operation *const *)targets, (int)ntarget, meta, s);
    if (TF_GetCode(s) != TF_OK) snprintf(msg, sizeof msg, "%s", TF_Message(s));
    TF_DeleteStatus(s);
  } else {
    snprintf(msg, sizeof msg, "%s", err);
  }
  for (uint32_t i = 0; i < nfeed; i++) if (feed_val[i]) TF_DeleteTensor(feed_val[i]);
  free(feed_out); free(feed_val); free(targets);
  napi_value out = NULL;
  if (!msg[0]) {
    napi_create_array_with_length(env, nfetch + (trace ? 1 : 0), &out);
    if (trace) {
      napi_value pair, nul, buf, arr;
      void *data = NULL;
      napi_create_arraybuffer(env, meta->length, &data, &buf);
      if (meta->length) memcpy(data, meta->data, meta->length);
      napi_create_typedarray(env, napi_uint8_array, meta->length, buf, 0, &arr);
      napi_get_null(env, &nul);
      napi_create_array_with_length(env, 2, &pair);
      napi_set_element(env, pair, 0, nul);
      napi_set_element(env, pair, 1, arr);
      napi_set_element(env, out, nfetch, pair);
    }
    for (uint32_t i = 0; i < nfetch; i++) {
      TF_Tensor *t = fetch_val[i];
      int rank = TF_NumDims(t);
      napi_value shape, pair, buf, arr;
      napi_create_array_with_length(env, (size_t)rank, &shape);
      size_t count = 1;
      for (int k = 0; k < rank; k++) {
        int64_t d = TF_Dim(t, k);
        count *= (size_t)d;
        napi_value dv;
        napi_create_int64(env, d, &dv);
        napi_set_element(env, shape, (uint32_t)k, dv);
      }
      TF_DataType dt = TF_TensorType(t);
      void *data = NULL;
      napi_create_arraybuffer(env, count * 4, &data, &buf);
      if (count) memcpy(data, TF_TensorData(t), count * 4);
      napi_create_typedarray(env, dt == TF_INT32 ? napi_int32_array : napi_float32_array, count, buf, 0, &arr);
      napi_create_array_with_length(env, 2, &pair);
      napi_set_element(env, pair, 0, shape);
      napi_set_element(env, pair, 1, arr);
      napi_set_element(env, out, i, pair);
      if (dt != TF_FLOAT && dt != TF_INT32 && !msg[0]) snprintf(msg, sizeof msg, "fetch %u has dtype %d; expected float32 or int32", i, (int)dt);
    }
  }
  for (uint32_t i = 0; i < nfetch; i++) if (fetch_val[i]) TF_DeleteTensor(fetch_val[i]);
  free(fetch_val); free(fetch_out);
  if (run_opts) TF_DeleteBuffer(run_opts);
  if (meta) TF_DeleteBuffer(meta);
  if (msg[0]) return throwf(env, "run", msg);
  return out;
}

static napi_value tf_version(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  CHECK_NAPI(napi_create_string_utf8(env, TF_Version(), NAPI_AUTO_LENGTH, &out));
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "newGraph", NULL, new_graph, NULL, NULL, NULL, napi_default, NULL },
    { "addOp", NULL, add_op, NULL, NULL, NULL, napi_default, NULL },
    { "outputShape", NULL, output_shape, NULL, NULL, NULL, napi_default, NULL },
    { "addGradients", NULL, add_gradients, NULL, NULL, NULL, napi_default, NULL },
    { "newSession", NULL, new_session, NULL, NULL, NULL, napi_default, NULL },
    { "closeSession", NULL, close_session, NULL, NULL, NULL, napi_default, NULL },
    { "run", NULL, run, NULL, NULL, NULL, napi_default, NULL },
    { "tfVersion", NULL, tf_version, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
