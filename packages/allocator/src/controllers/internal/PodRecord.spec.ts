import { describe, expect, it } from 'vitest';
import { AllocatorError } from '../../errors/AllocatorError.js';
import { POD_TRANSITIONS, PodRecord } from './PodRecord.js';
import type { PodStatus } from './PodRecord.js';

function pod(): PodRecord {
  return new PodRecord('uid-1', 'default', 'web', {}, 'default');
}

describe('PodRecord.moveTo', () => {
  it('walks a pod from scheduled to annotated to released', () => {
    const record = pod();
    for (const status of ['waiting', 'allocating', 'allocated', 'released'] as const) {
      record.moveTo(status);
      expect(record.status).toBe(status);
    }
  });

  it('refuses every move the table does not list, naming the pod and the move', () => {
    const statuses = Object.keys(POD_TRANSITIONS) as PodStatus[];
    let refused = 0;
    for (const from of statuses) {
      for (const to of statuses) {
        if (POD_TRANSITIONS[from].includes(to)) continue;
        const record = pod();
        (record as { status: PodStatus }).status = from;
        expect(() => {
          record.moveTo(to);
        }).toThrow(AllocatorError);
        expect(() => {
          record.moveTo(to);
        }).toThrow(`pod default/web cannot go ${from} → ${to}`);
        expect(record.status).toBe(from);
        refused += 1;
      }
    }
    expect(refused).toBeGreaterThan(20);
  });

  it('lets a released pod be released again (a delete racing a pod found gone)', () => {
    const record = pod();
    record.moveTo('released');
    record.moveTo('released');
    expect(record.status).toBe('released');
  });
});
