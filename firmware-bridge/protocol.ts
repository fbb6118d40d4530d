/**
 * The protobuf codec: loads `protocol.proto` at runtime (no codegen), and converts between the typed
 * messages of `messages.ts` and payload bytes. The message type id that travels in the frame header is the
 * table `MESSAGE_TYPE_IDS` (stable numbers; never reuse one).
 */
import protobuf from 'protobufjs';
import { fileURLToPath } from 'node:url';
import { INPUT_DTYPES, inputDTypeOf } from '../src/bundle-format/dtype.ts';
import type { InferPolicy } from '../src/bundle-format/policy.ts';
import { RanasError } from '../src/errors.ts';
import type { FlashKind, MessageName, Messages } from './messages.ts';

/** Protocol versions this code speaks (both ends send their range in Hello; the highest common wins). Version 2: the
 * device nonce in Info, FlashBegin authenticated by MAC + Ed25519 signature + version, no manifest in FlashBegin.
 * Version 3: op packs (FlashBegin.kind) and ProfileOps / OpProfile (`ranas device profile-ops` over the bridge). */
export const PROTOCOL_VERSION_MIN = 2;
export const PROTOCOL_VERSION_MAX = 3;
/** The first version with op packs and ProfileOps. */
export const PROTOCOL_VERSION_PROFILE_OPS = 3;

/** Frame header message type id of each message. */
export const MESSAGE_TYPE_IDS: Record<MessageName, number> = {
  hello: 1,
  info: 2,
  flashBegin: 3,
  flashChunk: 4,
  flashAck: 5,
  flashCommit: 6,
  flashAbort: 7,
  flashDone: 8,
  infer: 9,
  inferResult: 10,
  statsRequest: 11,
  stats: 12,
  error: 13,
  profileOps: 14,
  opProfile: 15,
};

const NAME_OF_ID = new Map<number, MessageName>(
  (Object.entries(MESSAGE_TYPE_IDS) as [MessageName, number][]).map(([name, id]) => [id, name]),
);

/** Message name for a frame's type id, or undefined for an unknown id. */
export function messageNameOf(typeId: number): MessageName | undefined {
  return NAME_OF_ID.get(typeId);
}

const PROTO_PATH = fileURLToPath(new URL('./protocol.proto', import.meta.url));
const root = protobuf.loadSync(PROTO_PATH);

function protoType(name: MessageName): protobuf.Type {
  return root.lookupType(`ranas.bridge.${name[0].toUpperCase()}${name.slice(1)}`);
}

const TYPES = new Map<MessageName, protobuf.Type>(
  (Object.keys(MESSAGE_TYPE_IDS) as MessageName[]).map((n) => [n, protoType(n)]),
);

/** Policy enum names on the wire ↔ our names. */
const POLICY_TO_WIRE = { deadline: 'POLICY_DEADLINE', confidence: 'POLICY_CONFIDENCE', planned: 'POLICY_PLANNED' } as const;
const KIND_TO_WIRE = { bundle: 'FLASH_BUNDLE', opPack: 'FLASH_OP_PACK' } as const;
const KIND_FROM_WIRE: Record<string, FlashKind> = { FLASH_BUNDLE: 'bundle', FLASH_OP_PACK: 'opPack' };
const POLICY_FROM_WIRE: Record<string, InferPolicy> = {
  POLICY_DEADLINE: 'deadline',
  POLICY_CONFIDENCE: 'confidence',
  POLICY_PLANNED: 'planned',
};

function typeOf(name: MessageName): protobuf.Type {
  const t = TYPES.get(name);
  if (!t) throw new RanasError('E_PROTOCOL', `no protobuf type for message '${name}'`);
  return t;
}

/** Encodes one message body into protobuf payload bytes. */
export function encodeMessage<K extends MessageName>(name: K, body: Messages[K]): Buffer {
  const type = typeOf(name);
  const plain: Record<string, unknown> = { ...body };
  if (name === 'infer' && 'policy' in body) plain.policy = POLICY_TO_WIRE[body.policy];
  if (name === 'flashBegin' && 'kind' in body && body.kind) plain.kind = KIND_TO_WIRE[body.kind];
  const bytes = type.encode(type.fromObject(plain)).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Protobuf wire types (the low 3 bits of a field's tag). */
const WIRE_TYPE = { varint: 0, lengthDelimited: 2 } as const;

/** The tag of `field` of message `name` as read from protocol.proto, so a renumbered field cannot be missed. */
function fieldTag(name: MessageName, field: string, wireType: number): number {
  const f = typeOf(name).fields[field];
  if (!f) throw new RanasError('E_PROTOCOL', `protocol.proto: message '${name}' has no field '${field}'`);
  return (f.id << 3) | wireType;
}

const FLASH_CHUNK_OFFSET_TAG = fieldTag('flashChunk', 'offset', WIRE_TYPE.varint);
const FLASH_CHUNK_DATA_TAG = fieldTag('flashChunk', 'data', WIRE_TYPE.lengthDelimited);

/**
 * Messages whose payload is built as parts that reference the caller's big bytes field instead of copying it
 * (a flash chunk's data is a view of the bundle): the parts joined are byte-for-byte `encodeMessage`'s output
 * (protobufjs writes present fields in field-number order; see protocol.test.ts).
 */
const PAYLOAD_PARTS: { [K in MessageName]?: (body: Messages[K]) => Uint8Array[] } = {
  flashChunk: ({ offset, data }) => [
    protobuf.Writer.create().uint32(FLASH_CHUNK_OFFSET_TAG).uint32(offset).uint32(FLASH_CHUNK_DATA_TAG).uint32(data.length).finish(),
    data,
  ],
};

/** Encodes one message body as payload parts to be sent back to back (one part unless listed in PAYLOAD_PARTS). */
export function encodeMessageParts<K extends MessageName>(name: K, body: Messages[K]): Uint8Array[] {
  const parts = PAYLOAD_PARTS[name];
  return parts ? parts(body) : [encodeMessage(name, body)];
}

/**
 * Decodes protobuf payload bytes of the named message. Throws RanasError E_BAD_MESSAGE when the bytes are
 * not a valid encoding. protobufjs checks every field's wire type against the schema, and `defaults`
 * fills absent scalars, so the object has exactly the shape of `Messages[K]`.
 */
export function decodeMessage<K extends MessageName>(name: K, payload: Uint8Array): Messages[K] {
  const type = typeOf(name);
  let obj: Record<string, unknown>;
  try {
    obj = type.toObject(type.decode(payload), { longs: Number, enums: String, bytes: Buffer, defaults: true, arrays: true, objects: true });
  } catch (e) {
    throw new RanasError('E_BAD_MESSAGE', `payload of ${payload.length} bytes is not a valid '${name}' message: ${e instanceof Error ? e.message : String(e)}`, { message: name });
  }
  if (name === 'infer') {
    const wire = String(obj.policy);
    const policy = POLICY_FROM_WIRE[wire];
    if (!policy) throw new RanasError('E_BAD_MESSAGE', `infer: unknown policy '${wire}', expected one of ${Object.keys(POLICY_FROM_WIRE).join(', ')}`);
    obj.policy = policy;
    const dtype = inputDTypeOf(String(obj.dtype));
    if (!dtype) throw new RanasError('E_BAD_INPUT', `infer: dtype '${String(obj.dtype)}' is not one of ${INPUT_DTYPES.join(', ')}`);
  }
  if (name === 'flashBegin') {
    const kind = KIND_FROM_WIRE[String(obj.kind)];
    if (!kind) throw new RanasError('E_BAD_MESSAGE', `flashBegin: unknown kind '${String(obj.kind)}', expected one of ${Object.keys(KIND_FROM_WIRE).join(', ')}`);
    obj.kind = kind;
  }
  dropNulls(obj);
  return obj as Messages[K];
}

/** protobufjs `defaults` fills absent sub-messages with null, at any depth; our types use absent fields. */
function dropNulls(obj: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(obj)) {
    if (v === null) delete obj[k];
    else if (Array.isArray(v)) { for (const x of v) if (isPlainObject(x)) dropNulls(x); }
    else if (isPlainObject(v)) dropNulls(v);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !ArrayBuffer.isView(v) && !Array.isArray(v);
}
