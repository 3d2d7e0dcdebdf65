import { describe, expect, it, vi } from 'vitest';
import { PipelineEvents } from '../../src/events.js';

describe('PipelineEvents', () => {
  it('delivers a payload to every listener of that event only', () => {
    const events = new PipelineEvents();
    const resumed = vi.fn();
    const paused = vi.fn();
    events.on('table:resumed', resumed);
    events.on('table:paused', paused);
    events.emit('table:resumed', { table: 'orders' });
    expect(resumed).toHaveBeenCalledWith({ table: 'orders' });
    expect(paused).not.toHaveBeenCalled();
  });

  it('stops delivering once a listener unsubscribes', () => {
    const events = new PipelineEvents();
    const listener = vi.fn();
    const off = events.on('table:resumed', listener);
    off();
    events.emit('table:resumed', { table: 'orders' });
    expect(listener).not.toHaveBeenCalled();
    expect(events.listenerCount('table:resumed')).toBe(0);
  });

  it('keeps a throwing listener from failing the emitter or starving later listeners', () => {
    const errors: unknown[] = [];
    const events = new PipelineEvents({ onListenerError: (error) => errors.push(error) });
    const later = vi.fn();
    events.on('table:resumed', () => {
      throw new Error('subscriber bug');
    });
    events.on('table:resumed', later);
    expect(() => events.emit('table:resumed', { table: 'orders' })).not.toThrow();
    expect(later).toHaveBeenCalledOnce();
    expect(errors).toEqual([new Error('subscriber bug')]);
  });
});
