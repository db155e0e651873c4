import { describe, expect, it } from 'vitest';
import { compareVersions, fixedVersionInText, fixedVersionOf, inRange, parseRange, parseVersion } from './versions.js';

/** Whether the version text lies in the range text (the forms below are copied from the shared advisories). */
function within(version: string, range: string): boolean | undefined {
  const v = parseVersion(version);
  if (!v) throw new Error(`test version ${version} does not parse`);
  return inRange(v, parseRange(range));
}

describe('versions', () => {
  it('ignores a leading V and compares numerically, missing components as 0', () => {
    expect(parseVersion('V3.2.6')!.parts).toEqual([3, 2, 6]);
    expect(compareVersions(parseVersion('V3.2.6')!, parseVersion('3.2.16')!)).toBe(-1);
    expect(compareVersions(parseVersion('4.4')!, parseVersion('V4.4.0')!)).toBe(0);
    expect(compareVersions(parseVersion('5.1.9.34')!, parseVersion('4.0.5.11')!)).toBe(1);
  });

  it('takes X as a wildcard digit and qualifiers as further components', () => {
    expect(parseVersion('V3.X.16')!.parts).toEqual([3, '*', 16]);
    expect(parseVersion('V4.7 SP6 HF1')!.parts).toEqual([4, 7, 6, 1]);
    expect(parseVersion('V13 Update 9')!.parts).toEqual([13, 9]);
    expect(parseVersion('FW26')!.parts).toEqual([26]);
  });

  it('refuses what is not a version', () => {
    for (const text of ['X', 'HEN99999', 'the_first_5_digits_of_serial_number_22081', '9999-SAD9T9SBK9', '1.000.HW00.21.20190812', ''])
      expect(parseVersion(text), text).toBeUndefined();
  });
});

describe('ranges', () => {
  it("reads CISA's vers:all/ with comparators, which the vers specification reserves for '*'", () => {
    expect(within('V3.2.6', 'vers:all/<V3.2.16')).toBe(true);
    expect(within('V3.2.16', 'vers:all/<V3.2.16')).toBe(false);
    expect(within('V4.5.1', 'vers:all/>=V4.5.0<V4.5.2')).toBe(true);
    expect(within('V4.4.0', 'vers:all/>=V4.5.0<V4.5.2')).toBe(false);
    expect(within('V4.5.2', 'vers:all/>=V4.5.0<V4.5.2')).toBe(false);
    expect(within('0.1', 'vers:all/*')).toBe(true);
  });

  it('reads the free-text forms', () => {
    expect(within('V3.2.6', '< V3.X.16')).toBe(true);
    expect(within('V3.2.17', '< V3.X.16')).toBe(false);
    expect(within('8.0', '<= 8.0')).toBe(true);
    expect(within('8.0.1', '<= 8.0')).toBe(false);
    expect(within('V4.2.2', 'All versions < V4.2.3')).toBe(true);
    expect(within('V4.4.0', 'All Versions < V4.3')).toBe(false);
    expect(within('9.0.2', '9.0.1 | 9.0.2 | 9.0.3')).toBe(true);
    expect(within('9.0.4', '9.0.1 | 9.0.2 | 9.0.3')).toBe(false);
    expect(within('9.3', '>= 9.0 | <= 9.5')).toBe(true);
    expect(within('9.6', '>= 9.0 | <= 9.5')).toBe(false);
    expect(within('V4.3.9', 'All versions prior to V4.4.0')).toBe(true);
    expect(within('V2.4', 'v2.2 and later prior to v2.5.1')).toBe(true);
    expect(within('V2.1', 'v2.2 and later prior to v2.5.1')).toBe(false);
    expect(within('V5.0', '>= V2.3 and < V6.30.016')).toBe(true);
    expect(within('V4.5.0', 'Versions 4.4.0 and later (only affected by CVE-2019-10943)')).toBe(true);
    expect(within('1.0', 'All versions')).toBe(true);
    expect(within('9.1.2', '9.x')).toBe(true);
    expect(within('1.03C', '<= 1.03D')).toBe(true); // revision letters (Mitsubishi)
    expect(within('1.03E', '<= 1.03D')).toBe(false);
    expect(within('1.03', '<= 1.03D')).toBe(true);
    expect(within('2.3.7', '>= 2.3x | <= 6.00.327')).toBe(true);
  });

  it('says "not understood" rather than guess', () => {
    for (const text of [
      'All versions with Function State (FS) < 11',
      '<=the_first_5_digits_of_serial_number_22081',
      ' <1.000.HW00.21.20190812',
      'No version',
    ])
      expect(within('V4.4.0', text), text).toBeUndefined();
  });

  it('gives the fixed version from the upper bound, filling X from the installed version', () => {
    expect(fixedVersionOf(parseRange('vers:all/<V3.2.16'))).toBe('V3.2.16');
    expect(fixedVersionOf(parseRange('<= 8.0'))).toBeUndefined();
    expect(fixedVersionOf(parseRange('vers:all/*'))).toBeUndefined();
    expect(fixedVersionOf(parseRange('< V3.X.17'), parseVersion('V3.2.6'))).toBe('V3.2.17');
    expect(fixedVersionOf(parseRange('< V3.X.17'))).toBeUndefined();
  });

  it('finds the version a vendor_fix names', () => {
    expect(fixedVersionInText('Update to V3.2.19 or later version')).toBe('V3.2.19');
    expect(fixedVersionInText('Update to V4.7 SP6 HF1 or later version')).toBe('V4.7 SP6 HF1');
    expect(fixedVersionInText('Contact customer support')).toBeUndefined();
  });
});
