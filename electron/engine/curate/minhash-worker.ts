// Worker thread for MinHash signatures (see minhash.ts). Replies with the signature buffer, transferred.
import { parentPort } from 'node:worker_threads';
import { coefficients, signatures, type SignatureTask } from './minhash.ts';

const port = parentPort!;
const cache = new Map<number, ReturnType<typeof coefficients>>();

port.on('message', (msg: { id: number; task: SignatureTask }) => {
  try {
    const { texts, shingle, permutations } = msg.task;
    let co = cache.get(permutations);
    if (!co) cache.set(permutations, (co = coefficients(permutations)));
    const sig = signatures(texts, shingle, co);
    port.postMessage({ id: msg.id, ok: true, result: sig }, [sig.buffer as ArrayBuffer]);
  } catch (err) {
    port.postMessage({ id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});
