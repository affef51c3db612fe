/**
 * Works around a transformers.js 4.x bug in Qwen-VL generation from text-only prompts (answering
 * from memory text). Its `_get_text_only_rope_index` returns the rope delta as
 * `max(position) + 1 + length` where Qwen2-VL's `get_rope_index` has `max(position) + 1 - length`,
 * so every token generated after the first one gets position 2 x length + k instead of length + k:
 * the first answer token is right and the rest drift (the fixture wrote "3unknown" where the same
 * network in PyTorch writes "3"). Prompts with images take another path and are not affected.
 *
 * The patch recomputes the delta from the position ids the method returns, so it is correct
 * whether or not the library is fixed; test/unit/fixture-model.test.ts checks that cached
 * generation matches generation without a cache.
 */
import { Tensor } from '@huggingface/transformers';

type RopeIndex = (inputIds: Tensor, attentionMask?: Tensor) => [Tensor, Tensor];

export function fixTextOnlyRopeDelta(model: object): void {
  const m = model as { _get_text_only_rope_index?: RopeIndex };
  const original = m._get_text_only_rope_index?.bind(model);
  if (!original) return;
  m._get_text_only_rope_index = (inputIds, attentionMask) => {
    const [positions, deltas] = original(inputIds, attentionMask);
    if (!attentionMask) return [positions, deltas];
    const [batch, length] = attentionMask.dims as [number, number];
    // positions is [3, batch, length] with the same 1-D positions in all three planes.
    const data = positions.data as BigInt64Array;
    const fixed = new BigInt64Array(batch);
    for (let b = 0; b < batch; b++) {
      let max = -1n;
      for (let j = 0; j < length; j++) if (data[b * length + j]! > max) max = data[b * length + j]!;
      fixed[b] = max + 1n - BigInt(length);
    }
    return [positions, new Tensor('int64', fixed, [batch, 1])];
  };
}
