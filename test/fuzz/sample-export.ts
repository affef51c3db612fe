/** A small valid export (what exportAll writes), built without a browser, for the Node import tests. */
import { EXPORT_FORMAT, EXPORT_VERSION, type ExportFile } from '../../src/store/transfer';
import { FIXTURE_MODEL_ID as M } from '../../src/memorize/registry';
import { embedText } from '../../src/recall/embedding';

export function sampleExport(): ExportFile {
  const text = ['A red circle labeled KIWI appears at top left.', 'KIWI moves to center.', 'BOLT, a blue square, appears.'];
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: 1_700_000_000_000,
    streams: [
      { id: 's1', title: 'Demo', source: 'demo', createdAt: 1, modelId: M, clipSeconds: 10 },
      { id: 's2', title: 'Cam', source: 'webcam', createdAt: 2, modelId: M, clipSeconds: 10 },
    ],
    memories: [
      ...text.map((t, i) => ({
        streamId: 's1', clipIndex: i, t0: i * 10, t1: i * 10 + 10, text: t, modelId: M, adapterVersion: 0, createdAt: 10 + i,
        thumbnail: { type: 'image/png', base64: btoa(String.fromCharCode(137, 80, 78, 71, i)) }, embedding: Array.from(embedText(t)),
      })),
      { streamId: 's2', clipIndex: 0, t0: 0, t1: 10, text: 'cam', modelId: M, adapterVersion: 0, createdAt: 20 },
    ],
    tasks: [
      { id: 1, askedAt: 30, streamId: 's1', streamTime: 30, question: 'What color is KIWI?', type: 'color', answer: 'red', answered: true, citations: [{ streamId: 's1', clipIndex: 0 }] },
      { id: 2, askedAt: 31, streamId: 's2', streamTime: 10, question: 'q2?', type: 'shape', answer: 'unknown', answered: false, citations: [] },
    ],
    adapters: [
      { modelId: M, layer: 1, version: 1, vector: Array.from({ length: 128 }, (_, i) => (i % 7) / 7 - 0.5), createdAt: 40, trainedOn: { taskIds: [1], memoryKeys: [['s1', 1]] }, metrics: { loss: 0.5 } },
    ],
    settings: [{ key: 'clipSeconds', value: 10 }],
  };
}
