import { describe, expect, it } from 'vitest';

describe('the test runner', () => {
  it('runs on the pinned Node major', () => {
    expect(process.versions.node.split('.')[0]).toBe('24');
  });
});
