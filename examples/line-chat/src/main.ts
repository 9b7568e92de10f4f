/** `node examples/line-chat/dist/main.js`: the tubes-only chat server. PORT (default 7000). */
import { startLineChat } from './line-chat.js';

const chat = await startLineChat({
  port: Number(process.env.PORT ?? 7000),
  host: process.env.HOST ?? '127.0.0.1',
});
console.log(`line-chat: listening on 127.0.0.1:${chat.port}`);
console.log(`try:       nc 127.0.0.1 ${chat.port}   (in two terminals)`);
const stop = (): void => {
  chat.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
