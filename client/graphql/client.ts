// The urql client of the page: queries and mutations over HTTP, the progress subscription over
// graphql-ws on the same /graphql path.
import { Client, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws/client';

export interface ApiClient {
  urql: Client;
  /** Closes the WebSocket; the page calls it when it is torn down. */
  dispose(): void;
  /** Drops the WebSocket so that the next subscription connects with the current token. */
  reconnect(): void;
}

/**
 * `endpoint` is the absolute http(s) URL of /graphql; the WebSocket URL is derived from it. `token` gives the
 * API token to send, if any: read on every request and every (re)connection of the socket.
 */
export function createApiClient(endpoint: string, token: () => string | null = () => null): ApiClient {
  const wsUrl = endpoint.replace(/^http/, 'ws');
  const authorization = (): Record<string, string> => {
    const value = token();
    return value ? { authorization: `Bearer ${value}` } : {};
  };
  const ws: WsClient = createWsClient({
    url: wsUrl,
    connectionParams: authorization,
    // Connect on the first subscription, and keep the socket a little while between runs.
    lazy: true,
    lazyCloseTimeout: 30_000,
    retryAttempts: 3,
  });
  const urql = new Client({
    url: endpoint,
    // No document cache: every result the page shows belongs to one run and is read once.
    exchanges: [
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
    requestPolicy: 'network-only',
    fetchOptions: () => ({ headers: authorization() }),
    preferGetMethod: false,
  });
  return { urql, dispose: () => void ws.dispose(), reconnect: () => ws.terminate() };
}

/** The /graphql endpoint of the server that served this page. */
export function defaultEndpoint(location: Location = window.location): string {
  return new URL('/graphql', location.href).href;
}
