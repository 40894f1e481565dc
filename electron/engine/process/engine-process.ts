// The engine's own process. The desktop app starts it with Electron's utilityProcess.fork, so that SQLite, the
// browse index build and curation's write transaction never block a window; tests and scripts start the same
// file with child_process.fork. It owns the store; its parent only moves messages (protocol.ts).
import { EVENTS } from '../../api/contract.ts';
import { parentLink } from '../../../native-models/parent-link.ts';
import { setDefaultSpawnHost } from '../../../native-models/runner.ts';
import { Engine, toErrorShape } from '../index.ts';
import { answerInvoke, type WireResult } from './answer.ts';
import { askParent } from './model-hosts.ts';
import type { FromEngine, ToEngine } from './protocol.ts';

const link = parentLink<ToEngine, FromEngine>('the engine process');
/** A result that cannot be cloned (it should not happen: results are plain data) fails its call, not the process. */
const reply = (msg: WireResult) => {
  try {
    link.send(msg);
  } catch {
    link.send({ ...msg, ok: false, error: toErrorShape(new Error('Result could not be serialised.')) });
  }
};
const modelHosts = askParent((order) => link.send(order));
let engine: Engine | null = null;

link.onMessage((msg) => {
  if (msg.type === 'start') {
    if (msg.modelHostsFromParent) setDefaultSpawnHost(modelHosts.spawn);
    engine = new Engine(msg.options);
    for (const event of EVENTS) engine.on(event, (payload) => link.send({ type: 'event', event, payload }));
    link.send({ type: 'ready' });
    return;
  }
  if (
    msg.type === 'model-host.started' ||
    msg.type === 'model-host.message' ||
    msg.type === 'model-host.exit'
  )
    return modelHosts.news(msg);
  const started = engine;
  if (!started) return;
  if (msg.type === 'invoke') void answerInvoke(started, msg.id, msg.channel, msg.args).then(reply);
  else if (msg.type === 'media')
    reply({ type: 'result', id: msg.id, ok: true, result: started.resolveMedia(msg.path) });
  else if (msg.type === 'close') {
    void started.close().then(
      () => reply({ type: 'result', id: msg.id, ok: true, result: null }),
      (err: unknown) => reply({ type: 'result', id: msg.id, ok: false, error: toErrorShape(err) }),
    );
  }
});

// Under Node the parent decides when the engine stops: Ctrl-C reaches the whole process group, and the parent
// answers it by closing the engine; its end going away ends the process (engine closed first). A utility
// process ends with its app.
if (!link.utility) {
  process.on('SIGINT', () => undefined);
  process.on('disconnect', () => {
    void (engine?.close() ?? Promise.resolve()).finally(() => process.exit(0));
  });
}
