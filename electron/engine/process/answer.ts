import { CHANNELS, type Channel, type WireMessage } from '../../api/contract.ts';
import { ApiError, toErrorShape } from '../errors.ts';
import type { Engine } from '../index.ts';

export type WireResult = Extract<WireMessage, { type: 'result' }>;

/** One contract call from a transport (browser mode's socket, the engine process's parent) to its result message. */
export async function answerInvoke(
  engine: Pick<Engine, 'invoke'>,
  id: number,
  channel: unknown,
  args: unknown,
): Promise<WireResult> {
  try {
    if (typeof channel !== 'string' || !(CHANNELS as readonly string[]).includes(channel)) {
      throw new ApiError('bad-request', 'Unknown channel.');
    }
    return { type: 'result', id, ok: true, result: await engine.invoke(channel as Channel, args as never) };
  } catch (err) {
    return { type: 'result', id, ok: false, error: toErrorShape(err) };
  }
}
