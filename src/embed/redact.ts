/**
 * What the host page may learn from the agent's events. Each detail is rebuilt field by field from
 * an allowlist (never spread), so a field added to an inner event later cannot leak by accident.
 * Without the user's permission the host gets ids, clip times and counts only; memory text, the
 * question and the answer are added when the user shares text with that host. Thumbnails and
 * embeddings never leave the frame.
 */
import type { WidgetEventName } from '../widget/protocol';

export interface RedactionContext {
  /** The user allowed this host origin to receive memory and answer text. */
  textShared: boolean;
  /** Memories of the current stream, including the one just written. */
  memoryCount: number;
}

const MAX_ERROR_LENGTH = 500;

type Detail = Record<string, unknown>;

function record(v: unknown): Detail {
  return typeof v === 'object' && v !== null ? (v as Detail) : {};
}
const str = (v: unknown) => (typeof v === 'string' ? v : '');
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function citations(v: unknown): { streamId: string; clipIndex: number }[] {
  return Array.isArray(v) ? v.map((c) => ({ streamId: str(record(c).streamId), clipIndex: num(record(c).clipIndex) })) : [];
}

function memoryDetail(d: Detail, ctx: RedactionContext): Detail {
  const out: Detail = {
    streamId: str(d.streamId),
    clipIndex: num(d.clipIndex),
    t0: num(d.t0),
    t1: num(d.t1),
    adapterVersion: num(d.adapterVersion),
    memoryCount: ctx.memoryCount,
    textShared: ctx.textShared,
  };
  if (ctx.textShared) out.text = str(d.text);
  return out;
}

function answerDetail(d: Detail, ctx: RedactionContext): Detail {
  const out: Detail = { abstained: d.abstained === true, citations: citations(d.citations), textShared: ctx.textShared };
  if (ctx.textShared) {
    out.question = str(d.question);
    out.answer = str(d.answer);
  }
  return out;
}

function adapterDetail(d: Detail, ctx: RedactionContext): Detail {
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(record(d.metrics))) if (typeof v === 'number') metrics[k] = v;
  const trainedOn = record(d.trainedOn);
  return {
    version: num(d.version),
    metrics,
    trainedOn: {
      taskIds: Array.isArray(trainedOn.taskIds) ? trainedOn.taskIds.map(num) : [],
      memoryKeys: Array.isArray(trainedOn.memoryKeys) ? trainedOn.memoryKeys.map((k) => [str(record(k)[0]), num(record(k)[1])]) : [],
    },
    textShared: ctx.textShared,
  };
}

/** The detail the host receives for one inner event. */
export function hostEventDetail(name: WidgetEventName, detail: unknown, ctx: RedactionContext): Detail {
  const d = record(detail);
  switch (name) {
    case 'taskmem-memory':
      return memoryDetail(d, ctx);
    case 'taskmem-answer':
      return answerDetail(d, ctx);
    case 'taskmem-adapter':
      return adapterDetail(d, ctx);
    case 'taskmem-error': {
      // The agent's own status messages (load failures, capture errors), never memory text; a
      // quoted name (a video file the user picked) is withheld unless text is shared.
      const message = str(d.message).slice(0, MAX_ERROR_LENGTH);
      return { message: ctx.textShared ? message : message.replace(/"[^"]*"/g, '"…"'), textShared: ctx.textShared };
    }
  }
}
