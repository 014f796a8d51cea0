import { describe, expect, test } from 'vitest';
import { manifestOf, serviceSpec } from '../../test/helpers/specs.js';
import { UsageError } from '../errors.js';
import { applyProfiles } from './profiles.js';

function manifest() {
  return manifestOf([
    serviceSpec('api'),
    serviceSpec('debugger', { profiles: ['debug', 'tools'], inActiveProfile: false }),
    serviceSpec('seed', { profiles: ['data'], inActiveProfile: false }),
  ]);
}

const active = (m: ReturnType<typeof manifest>) => m.services.filter((service) => service.inActiveProfile).map((service) => service.key);

describe('applyProfiles', () => {
  test('services without profiles are always in; others when one of theirs is active', () => {
    const none = manifest();
    applyProfiles(none, [], undefined);
    expect(active(none)).toEqual(['api']);
    const some = manifest();
    applyProfiles(some, ['tools'], ' data ,');
    expect(active(some)).toEqual(['api', 'debugger', 'seed']);
  });

  test('DEVSUP_PROFILES may name profiles this manifest has not; --profile may not', () => {
    const m = manifest();
    applyProfiles(m, [], 'other-project,debug');
    expect(active(m)).toEqual(['api', 'debugger']);
    expect(() => applyProfiles(manifest(), ['tool'], undefined)).toThrow(UsageError);
    expect(() => applyProfiles(manifest(), ['tool'], undefined)).toThrow('--profile tool: no service has the profile "tool" — did you mean "tools"?');
    expect(() => applyProfiles(manifestOf([serviceSpec('api')]), ['debug'], undefined)).toThrow('--profile debug: no service here has profiles');
  });
});
