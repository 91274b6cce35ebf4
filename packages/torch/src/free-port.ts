// A TCP port free on the loopback right now, for a one-machine c10d rendezvous (torchrun --standalone picks its
// port the same way): ask the kernel for port 0, read what it gave, close. Exported as distributed.freePort.
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
