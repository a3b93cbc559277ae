// GraphiQL on this API: queries and mutations over HTTP POST, subscriptions over
// graphql-transport-ws on the same path; the Headers tab's headers are sent with both (the
// socket's connection_init payload carries them, e.g. {"Authorization": "Bearer <token>"}).

const endpoint = new URL('/graphql', window.location.href);
const socket = new URL(endpoint);
socket.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';

const EXAMPLE = `# The catalogue needs no token; orders need "Authorization: Bearer <token>"
# in the Headers tab (make a development token with: python main.py token --member alice).
{
  products(first: 5) {
    totalCount
    edges { node { id title author price { amount currency } stock { available } } }
  }
}
`;

const fetcher = GraphiQL.createFetcher({ url: endpoint.href, subscriptionUrl: socket.href });

ReactDOM.createRoot(document.getElementById('graphiql')).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultQuery: EXAMPLE,
    defaultEditorToolsVisibility: true,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
  }),
);
