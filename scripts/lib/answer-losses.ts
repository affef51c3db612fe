/**
 * The answer-loss table (src/eval/answer-loss.ts) of one evaluate() report: every answerable world
 * question whose meaning its manifest carries, by type and by where its answer was lost.
 */
import { loadManifest } from './load-manifest';
import type { MemorizerReport } from '../eval';
import { classifyAnswerLoss, tallyAnswerLosses, type AnswerLoss, type AnswerLossTable } from '../../src/eval/answer-loss';
import { UNKNOWN, type QueryMeta } from '../../src/world/questions';

export function answerLossesOf(report: MemorizerReport, types?: readonly string[]): AnswerLossTable {
  const rows: { type: string; loss: AnswerLoss }[] = [];
  for (const stream of report.streams) {
    const byId = new Map(loadManifest(stream.manifest).questions.map((q) => [q.id, q]));
    for (const result of stream.run.results) {
      const q = byId.get(result.id);
      if (!q?.meta || q.answer === UNKNOWN || (types && !types.includes(result.type))) continue;
      // classifyAnswerLoss reads only the memories written by the question's time.
      rows.push({ type: result.type, loss: classifyAnswerLoss(stream.run.memories, q.meta as QueryMeta, q.t, q.answer, result.verdict.correct) });
    }
  }
  return tallyAnswerLosses(rows);
}
