// A minimal client of the graphql-transport-ws protocol: one connection, one subscription.
// https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md

const SUBSCRIPTION_ID = '1';

/** ws(s)://<this host>/graphql */
export function graphqlSocketUrl() {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}/graphql`;
}

/**
 * Opens a socket, sends connection_init with connectionParams, waits for connection_ack,
 * then subscribes. Callbacks:
 *   onAck()              the server accepted the connection and the subscription was sent
 *   onNext(payload)      an execution result ({data, errors})
 *   onError(detail)      the socket failed, was closed before `complete`, refused the
 *                        connection (e.g. 4403), or the server sent `error` (detail.errors)
 *   onComplete()         the server ended the stream
 * Exactly one of onError / onComplete is called, and nothing after it.
 * Returns {close()}, which ends the subscription without calling either.
 */
export function subscribe({
  url = graphqlSocketUrl(), connectionParams = {}, query, variables = {},
  onAck = () => {}, onNext = () => {}, onError = () => {}, onComplete = () => {},
  ackTimeoutMs = 5000,
}) {
  let done = false;
  let acked = false;
  let timer = null;
  let socket;

  const send = (message) => {
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  };

  const finish = (kind, detail) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    try { socket.close(1000, 'done'); } catch { /* already closed */ }
    if (kind === 'complete') onComplete();
    else onError(detail);
  };

  try {
    socket = new WebSocket(url, 'graphql-transport-ws');
  } catch (error) {
    queueMicrotask(() => { done = true; onError({ reason: String(error) }); });
    return { close() {} };
  }

  socket.addEventListener('open', () => {
    send({ type: 'connection_init', payload: connectionParams });
    timer = setTimeout(() => finish('error', { reason: 'no connection_ack' }), ackTimeoutMs);
  });

  socket.addEventListener('message', (event) => {
    let message;
    try { message = JSON.parse(event.data); } catch {
      finish('error', { reason: 'a message that is not JSON' });
      return;
    }
    switch (message?.type) {
      case 'connection_ack':
        acked = true;
        clearTimeout(timer);
        send({ id: SUBSCRIPTION_ID, type: 'subscribe', payload: { query, variables } });
        if (!done) onAck();
        break;
      case 'ping':
        send(message.payload === undefined ? { type: 'pong' } : { type: 'pong', payload: message.payload });
        break;
      case 'pong':
        break;
      case 'next':
        if (message.id === SUBSCRIPTION_ID && !done) onNext(message.payload ?? {});
        break;
      case 'error':
        if (message.id === SUBSCRIPTION_ID) {
          finish('error', { errors: Array.isArray(message.payload) ? message.payload : [] });
        }
        break;
      case 'complete':
        if (message.id === SUBSCRIPTION_ID) finish('complete');
        break;
      default:
        break;
    }
  });

  socket.addEventListener('error', () => finish('error', { reason: 'socket error' }));
  socket.addEventListener('close', (event) => {
    finish('error', { code: event.code, reason: event.reason || 'closed', acked });
  });

  return {
    close() {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (acked) send({ id: SUBSCRIPTION_ID, type: 'complete' });
      try { socket.close(1000, 'bye'); } catch { /* already closed */ }
    },
  };
}
