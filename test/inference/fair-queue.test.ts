// The engine's queue: fair turns by images served, between users and then between the runs of a user.
import { describe, expect, it } from 'vitest';
import { FairQueue } from '../../server/inference/index.ts';

const drain = (queue: FairQueue<string>) => {
  const out: string[] = [];
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) out.push(item);
  return out;
};

describe('FairQueue', () => {
  it('serves runs of one user round-robin by batch, not in arrival order', () => {
    const queue = new FairQueue<string>();
    for (let i = 0; i < 3; i++) queue.push({ user: 'u', run: 'big' }, `big${i}`);
    for (let i = 0; i < 3; i++) queue.push({ user: 'u', run: 'other' }, `other${i}`);
    expect(drain(queue)).toEqual(['big0', 'other0', 'big1', 'other1', 'big2', 'other2']);
  });

  it('serves a new run within a turn, even after big runs have been served for a long time', () => {
    const queue = new FairQueue<string>();
    for (let i = 0; i < 50; i++) {
      queue.push({ user: 'a', run: 'big1' }, 'big1');
      queue.push({ user: 'a', run: 'big2' }, 'big2');
    }
    for (let i = 0; i < 40; i++) queue.shift();
    queue.push({ user: 'a', run: 'small' }, 'small');
    const next = [queue.shift(), queue.shift()];
    expect(next).toContain('small');
  });

  it('shares between users first: a user with many runs does not get more turns', () => {
    const queue = new FairQueue<string>();
    for (const run of ['r1', 'r2', 'r3', 'r4']) for (let i = 0; i < 2; i++) queue.push({ user: 'heavy', run }, `heavy-${run}`);
    for (let i = 0; i < 2; i++) queue.push({ user: 'light', run: 'x' }, 'light');
    const order = drain(queue);
    expect(order.slice(0, 4).filter((item) => item === 'light')).toHaveLength(2);
    expect(order).toHaveLength(10);
  });

  it('counts images served: a run of small batches gets more batches than one of large batches', () => {
    const queue = new FairQueue<number>();
    for (let i = 0; i < 4; i++) queue.push({ user: 'u', run: 'large' }, 100);
    for (let i = 0; i < 8; i++) queue.push({ user: 'u', run: 'small' }, 25);
    const order: number[] = [];
    for (let i = 0; i < 5; i++) order.push(queue.shift((size) => size)!);
    expect(order.filter((size) => size === 25)).toHaveLength(4);
  });

  it('gives nothing when empty and drains what waits', () => {
    const queue = new FairQueue<string>();
    expect(queue.shift()).toBeUndefined();
    queue.push({ user: 'u', run: 'r' }, 'x');
    expect(queue.size).toBe(1);
    expect(queue.drain()).toEqual(['x']);
    expect(queue.size).toBe(0);
  });
});
