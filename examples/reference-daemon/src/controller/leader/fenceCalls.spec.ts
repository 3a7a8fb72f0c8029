import { describe, expect, it } from 'vitest';
import { AllocatorError } from '@podsg/allocator';
import { fenceCalls } from './fenceCalls.js';

class Port {
  calls = 0;
  async write(value: number): Promise<number> {
    this.calls += 1;
    return Promise.resolve(value * 2);
  }
  watch(): () => void {
    this.calls += 1;
    return () => undefined;
  }
}

describe('fenceCalls', () => {
  it('passes calls through until the signal aborts, then refuses them without reaching the port', async () => {
    const port = new Port();
    const fence = new AbortController();
    const fenced = fenceCalls(port, fence.signal, 'ec2', ['watch']);
    expect(await fenced.write(2)).toBe(4);
    fence.abort(new Error('leadership lost'));
    const refused = fenced.write(3);
    await expect(refused).rejects.toSatisfy((error: unknown) =>
      AllocatorError.is(error, 'Aborted'),
    );
    await expect(refused).rejects.toThrow(
      'ec2.write refused: this replica is fenced (leadership lost)',
    );
    expect(port.calls).toBe(1);
    // Synchronous pass-through methods keep working (an unsubscribe must still be obtainable).
    expect(typeof fenced.watch()).toBe('function');
  });
});
