/**
 * Answering generates from text-only prompts, where transformers.js 4.x computes the rope delta of
 * cached steps wrongly (src/memorize/text-rope-fix.ts). With the fix, generation with the KV cache
 * writes exactly what the model writes when every step runs on the whole sequence without a cache,
 * and the answering fixture reads an answer out of memory text.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Tensor } from '@huggingface/transformers';
import { useLocalModels } from '../../scripts/lib/node-models';
import { Vlm } from '../../src/memorize/vlm';
import { ANSWER_FIXTURE_ID, getModelSpec } from '../../src/memorize/registry';
import { answerMessages } from '../../src/recall/answer-prompt';

type Generating = { generate(inputs: Record<string, unknown>): Promise<Tensor> };

let answerer: Vlm;
beforeAll(async () => {
  useLocalModels();
  answerer = await Vlm.load(getModelSpec(ANSWER_FIXTURE_ID));
});

const messages = answerMessages({
  memories: [
    { t0: 0, t1: 10, text: 'A small cross appears at center.' },
    { t0: 0, t1: 10, text: 'A large red ring labeled WREN appears at bottom right.' },
    { t0: 0, t1: 10, text: 'A square labeled VINE appears at left.' },
    { t0: 10, t1: 20, text: 'A purple cross moves from center to top left.' },
  ],
  question: 'How many objects appeared between 0:00 and 0:10?',
});

describe('text-only generation', () => {
  it('gives the same tokens with the KV cache as without it', async () => {
    const model = (answerer as unknown as { model: Generating }).model;
    const prompt = [...((await answerer.inputs(messages, [])).input_ids.data as BigInt64Array)];
    // End of turn is suppressed (min_new_tokens) so that several cached steps run, where positions matter.
    const run = async (ids: bigint[], newTokens: number) => {
      const input_ids = new Tensor('int64', BigInt64Array.from(ids), [1, ids.length]);
      const attention_mask = new Tensor('int64', BigInt64Array.from(ids.map(() => 1n)), [1, ids.length]);
      const out = await model.generate({ input_ids, attention_mask, max_new_tokens: newTokens, min_new_tokens: newTokens, do_sample: false } as never);
      return [...(out.data as BigInt64Array)].slice(ids.length);
    };
    const cached = await run(prompt, 6);
    // One token at a time from the whole sequence: the first step of generate never uses a cache.
    const uncached: bigint[] = [];
    while (uncached.length < cached.length) uncached.push(...(await run([...prompt, ...uncached], 1)));
    expect(cached).toHaveLength(6);
    expect(cached).toEqual(uncached);
  });

  it('answers from the memory text it is given', async () => {
    expect(await answerer.generate(messages, [], { maxNewTokens: 8 })).toBe('3');
  });
});
