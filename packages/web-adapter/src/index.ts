export {
  type ConnectOptions,
  connect,
  type H2Client,
  type H2Response,
  type H2ResponseBody,
} from './client.js';
export {
  type Closable,
  type ClusterHandle,
  type ClusterOptions,
  RestartBackoff,
  serveCluster,
  type WorkerExit,
} from './cluster.js';
export { type DevCertificate, type DevCertificateOptions, devCertificate } from './dev-certificate.js';
export { FastResponse } from './fast-response.js';
export { callHandler, type FetchHandler, type HandlerErrorHook } from './fetch-handler.js';
export { type FetchFunction, observeFetch } from './fetch-observable.js';
export { fieldsToHeaders, headersToFields } from './field-conversion.js';
export { LazyGlobalResponse, replaceGlobalResponse } from './global-response.js';
export {
  createHttp1Server,
  type Http1Options,
  requestFromIncoming,
  writeNodeResponse,
} from './http1-fallback.js';
export { ListenError } from './listen-error.js';
export { type ListenAt, listenCleartext, listenTls, type SocketHandoff, sniffPreface } from './listeners.js';
export { requestTrailers } from './request-context.js';
export { bodyStream, requestFromExchange } from './request-from-exchange.js';
export { handlerSink, type RequestSink } from './request-sink.js';
export {
  earlyHints,
  type ResponseParts,
  respondToExchange,
  responseParts,
  responseTrailers,
  withTrailers,
} from './response-to-exchange.js';
export { type ServeOptions, serve } from './serve.js';
export { type Exchange, type ServeRxOptions, serveRx } from './serve-rx.js';
export {
  type AcceptH2,
  type H2ConnectionOptions,
  type Server,
  type ServerAddress,
  type ServerOptions,
  startServer,
} from './server-lifecycle.js';
export {
  OpenWebSockets,
  ServerWebSocket,
  upgradeWebSocket,
  WebSocketCloseEvent,
  type WebSocketOptions,
  type WebSocketUpgrade,
} from './websocket/index.js';
