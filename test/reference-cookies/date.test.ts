// rfc6265bis §5.1.1, step by step.
import assert from 'node:assert/strict';
import { dateTokens, parseCookieDate } from '../../targets/reference/cookies/index.js';
import { uniform } from '../../runner/fuzz/prng.js';

const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => Date.UTC(y, mo - 1, d, h, mi, s);

describe('reference engine §5.1.1 cookie-date', () => {
  describe('step 1: date-tokens split at delimiters', () => {
    const table: [string, string[]][] = [
      ['Sun, 06 Nov 1994 08:49:37 GMT', ['Sun', '06', 'Nov', '1994', '08:49:37', 'GMT']],
      ['Sunday, 06-Nov-94 08:49:37 GMT', ['Sunday', '06', 'Nov', '94', '08:49:37', 'GMT']],
      ['\t1994/11/06;08:49:37\t', ['1994', '11', '06', '08:49:37']],
      // ":" (0x3A) is not a delimiter; "@" (0x40), "[" (0x5B) and "~" (0x7E) are.
      ['a@b[c~d:e', ['a', 'b', 'c', 'd:e']],
      // Octets above 0x7F and controls other than HTAB are non-delimiters.
      ['x\u00ffy\u0001z', ['x\u00ffy\u0001z']],
      ['', []],
    ];
    for (const [input, tokens] of table) {
      it(JSON.stringify(input), () => assert.deepEqual(dateTokens(input), tokens));
    }
  });

  describe('steps 2 to 7', () => {
    const table: [string, number | null, string][] = [
      ['Sun, 06 Nov 1994 08:49:37 GMT', utc(1994, 11, 6, 8, 49, 37), 'IMF-fixdate'],
      ['Sunday, 06-Nov-94 08:49:37 GMT', utc(1994, 11, 6, 8, 49, 37), 'RFC 850, two-digit year 94 is 1994 (step 3)'],
      ['Sun Nov  6 08:49:37 1994', utc(1994, 11, 6, 8, 49, 37), 'asctime: day-of-month comes after the month'],
      ['Wed, 09 Jun 21 10:18:14 GMT', utc(2021, 6, 9, 10, 18, 14), 'two-digit year 21 is 2021 (step 4)'],
      ['Thu, 01 Jan 70 00:00:00 GMT', utc(1970, 1, 1), 'year 70 is 1970 (step 3)'],
      ['Wed, 01 Jan 69 00:00:00 GMT', utc(2069, 1, 1), 'year 69 is 2069 (step 4)'],
      ['1 jan 2000 1:2:3', utc(2000, 1, 1, 1, 2, 3), 'one-digit time fields and day'],
      ['JANUARY 5 2000 00:00:00', utc(2000, 1, 5), 'month matches on its first three letters, any case'],
      ['08:49:37 1994 Nov 06', utc(1994, 11, 6, 8, 49, 37), 'order: time first, then day before year'],
      ['06 1994 Nov 08:49:37', utc(1994, 11, 6, 8, 49, 37), 'numeric tokens: 06 matches day-of-month first; 1994 cannot be a day, so it is the year'],
      ['Sun, 06 Nov 1994 08:49:37 GMT junk 12:00:00', utc(1994, 11, 6, 8, 49, 37), 'later tokens do not override found fields'],
      ['06 Nov 1994 08:49:37xyz', utc(1994, 11, 6, 8, 49, 37), 'time followed by a non-digit and anything'],
      ['06am Nov 1994 08:49:37', utc(1994, 11, 6, 8, 49, 37), 'day-of-month followed by a non-digit'],
      ['06 Nov 1994x 08:49:37', utc(1994, 11, 6, 8, 49, 37), 'year followed by a non-digit'],
      ['Nov 1994 08:49:37', null, 'no day-of-month (step 5)'],
      ['06 1994 08:49:37', null, 'no month (step 5)'],
      ['06 Nov 08:49:37', null, 'no year: 06 was taken as the day (step 5)'],
      ['06 Nov 1994', null, 'no time (step 5)'],
      ['32 Nov 1994 08:49:37', null, 'day-of-month above 31 (step 5)'],
      ['00 Nov 1994 08:49:37', null, 'day-of-month below 1 (step 5)'],
      ['06 Nov 1600 08:49:37', null, 'year below 1601 (step 5)'],
      ['06 Nov 1601 08:49:37', utc(1601, 11, 6, 8, 49, 37), 'year 1601 is the earliest'],
      ['06 Nov 1994 24:00:00', null, 'hour above 23 (step 5)'],
      ['06 Nov 1994 23:60:00', null, 'minute above 59 (step 5)'],
      ['06 Nov 1994 23:59:60', null, 'no leap seconds (step 5)'],
      ['31 Apr 1994 00:00:00', null, 'no 31 April (step 6)'],
      ['29 Feb 2023 00:00:00', null, 'no 29 February in 2023 (step 6)'],
      ['29 Feb 2024 00:00:00', utc(2024, 2, 29), '29 February in a leap year'],
      ['06 Nov 19940 08:49:37', null, 'a five-digit year is no year'],
      ['006 Nov 1994 08:49:37', null, '006 cannot be a day but is a year (6, so 2006); 1994 then fits nothing and no day-of-month is found'],
      ['', null, 'empty'],
    ];
    for (const [input, expected, why] of table) {
      it(`${JSON.stringify(input)}: ${why}`, () => assert.equal(parseCookieDate(input), expected));
    }
  });

  describe('the scanner is the productions of step 1', () => {
    // Step 1's productions written as regular expressions (time, day-of-month, year: digits, then nothing or a
    // non-digit and anything), and step 2 by them: the engine reads tokens with a small scanner instead.
    const TIME = /^(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\D.*)?$/s;
    const DAY_OF_MONTH = /^(\d{1,2})(?:\D.*)?$/s;
    const YEAR = /^(\d{2,4})(?:\D.*)?$/s;
    const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
    function byRegex(cookieDate: string): number | null {
      let time: number[] | undefined;
      let day: number | undefined;
      let month: number | undefined;
      let year: number | undefined;
      for (const token of dateTokens(cookieDate)) {
        let m: RegExpExecArray | null;
        if (time === undefined && (m = TIME.exec(token))) time = [Number(m[1]), Number(m[2]), Number(m[3])];
        else if (day === undefined && (m = DAY_OF_MONTH.exec(token))) day = Number(m[1]);
        else if (month === undefined && token.length >= 3 && MONTHS.includes(token.slice(0, 3).toLowerCase()))
          month = MONTHS.indexOf(token.slice(0, 3).toLowerCase());
        else if (year === undefined && (m = YEAR.exec(token))) year = Number(m[1]);
      }
      if (year !== undefined && year >= 70 && year <= 99) year += 1900;
      if (year !== undefined && year >= 0 && year <= 69) year += 2000;
      if (time === undefined || day === undefined || month === undefined || year === undefined) return null;
      if (day < 1 || day > 31 || year < 1601 || time[0]! > 23 || time[1]! > 59 || time[2]! > 59) return null;
      const ms = Date.UTC(year, month, day, time[0]!, time[1]!, time[2]!);
      const d = new Date(ms);
      return d.getUTCFullYear() === year && d.getUTCMonth() === month && d.getUTCDate() === day ? ms : null;
    }

    it('gives what the regular expressions give on 20000 random cookie-dates of tokens that match a production, or nearly', () => {
      const rnd = uniform(5);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
      const tokens = [
        '06',
        '6',
        '29',
        '31',
        '32',
        '0',
        '006',
        '1994',
        '94',
        '69',
        '1600',
        '19940',
        '1994x',
        '06am',
        'Nov',
        'feb',
        'JANUARY',
        'ja',
        'x',
        '\u00e9',
        '08:49:37',
        '1:2:3',
        '23:59:60',
        '24:00:00',
        '8:49:37x',
        '12:0:0:0',
        '1:2',
        '123:4:5',
        '1::2',
      ];
      const delimiters = [' ', ', ', '-', '\t', '/', ';'];
      let valid = 0;
      for (let k = 0; k < 20000; k++) {
        let date = pick(tokens);
        for (let n = 3 + Math.floor(rnd() * 3); n > 0; n--) date += pick(delimiters) + pick(tokens);
        const expected = byRegex(date);
        if (expected !== null) valid++;
        assert.equal(parseCookieDate(date), expected, JSON.stringify(date));
      }
      assert.ok(valid > 1000, `only ${valid} of the random cookie-dates parse: the test would check too little`);
    });
  });
});
