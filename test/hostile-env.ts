/** An env file written by a careless or hostile hand, shared by the parser, launcher and split tests. */

/** Hostile and awkward lines; both parsers must read them as data and agree. */
export const HOSTILE = [
  '# a comment',
  '',
  '   ',
  'PLAIN=value with spaces   ',
  'SUBST=$(touch PWNED_SUBST)',
  'BACKTICK=`touch PWNED_TICK`',
  'DQ="double $(touch PWNED_DQ) `id` \\" inner"',
  "SQ='single $HOME ; rm -rf /'",
  'EQUALS=a=b=c==',
  'export EXPORTED=yes',
  'CRLF=windows\r',
  'SEMI=a; touch PWNED_SEMI',
  'SPACEKEY = spaced',
  'QUOTE_ONLY="',
  'MISMATCH="open\'',
  'DOLLAR=$HOME ${PATH} $$',
  'GLOB=* ?',
  'BACKSLASH=a\\nb\\\\c',
  '1DIGIT=bad',
  'BAD-NAME=bad',
  'no equals sign',
  'UNICODE=pässwörd✓',
  'EMPTY=',
  'DUP=first',
  'DUP=second',
  'IFS=,',
  'PATH=/tmp/evil:/bin',
  'LD_PRELOAD=/tmp/evil.so',
  'BASH_ENV=/tmp/evil.sh',
  'ENV=/tmp/evil.sh',
  'HOME=/tmp',
  'OMP_STATE_DIR=/',
  'name=other',
  'timeout=$(touch PWNED_ARITH)',
  'ARITH=$((1+$(touch PWNED_ARITH2)))',
  'LAST=no-newline',
].join('\n');

export const KEYS = ['PLAIN', 'SUBST', 'BACKTICK', 'DQ', 'SQ', 'EQUALS', 'EXPORTED', 'CRLF', 'SEMI', 'SPACEKEY', 'QUOTE_ONLY', 'MISMATCH', 'DOLLAR', 'GLOB', 'BACKSLASH', 'UNICODE', 'EMPTY', 'DUP', 'ARITH', 'LAST'];
/** Keys the launcher must leave alone (reserved, or not upper case), with their line numbers in HOSTILE. */
export const SKIPPED = { IFS: 26, PATH: 27, LD_PRELOAD: 28, BASH_ENV: 29, ENV: 30, HOME: 31, OMP_STATE_DIR: 32, name: 33, timeout: 34 };
