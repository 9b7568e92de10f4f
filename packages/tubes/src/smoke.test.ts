import { describe, expect, it } from 'vitest';
import * as tubes from '@h2tubes/tubes';
describe('smoke', () => { it('imports', () => { expect(typeof tubes).toBe('object'); }); });
