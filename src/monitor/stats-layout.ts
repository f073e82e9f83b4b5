/**
 * The statistics' row layouts ({@link LanStats} in stats.ts): offsets of the fields in its typed arrays.
 *
 * A module of constants alone, importing nothing: the bundler (esbuild) writes an imported constant's value
 * where it is used, but leaves a module's own top-level constants as variables once the module imports
 * anything (an import could run code that reads them before they are set). As variables they cost the hot
 * loops a load, a check and an untagging at every use (V8 cannot take a module variable for a constant):
 * about a fifth of the instructions of the statistics' per-record work.
 */

/** A group's row in `LanStats.gh`: Int32 fields by offset; its last-seen time is the Float64 at {@link G_LAST}. */
export const G_STRIDE = 16;
/* (offset 0 unused; records of type 1-6 at offsets 1-6, their sum with the unknown ones the group's v3 records) */
/** Expiries + 1: a member is current when its `current` field is this. */
export const G_EPOCH = 7;
/** The first host seen reporting it: its id + 1 (0: none yet), whether it is current, how many are. */
export const G_FIRST = 8;
export const G_FIRST_CURRENT = 9;
export const G_CURRENT = 10;
/** Hosts seen reporting it. */
export const G_SEEN = 11;
/** Its last group-specific query: the query's index + 1 (0: none). */
export const G_GSQ = 12;
/** Its address (signed form). */
export const G_KEY = 13;
/** Float64 index of the last-seen time in a row (bytes 56-63). */
export const G_LAST = 7;
/** Float64 elements per group row. */
export const G_F64 = G_STRIDE / 2;

/** What a record does not touch, in `LanStats.gc` (Int32) by offset. */
export const C_STRIDE = 12;
export const C_V1 = 0;
export const C_V2 = 1;
/** Records of unknown type. */
export const C_R0 = 2;
export const C_LEAVE_MESSAGES = 3;
export const C_JOINS = 4;
export const C_LEAVES = 5;
export const C_EXPIRIES = 6;
export const C_MODE_CHANGES = 7;
export const C_LMQ = 8;
export const C_GROUP_QUERIES = 9;
/** The first member's last answered group-specific query, index + 1. */
export const C_FIRST_ANSWERED = 10;
/** The member count its timeline ends with, + 1 (0: no point yet). */
export const C_PLOTTED = 11;

/** Times in `LanStats.gt` (Float64) by offset: first seen, the last group-specific query's time and Max Resp Time. */
export const T_STRIDE = 3;
export const T_FIRST = 0;
export const T_GSQ_AT = 1;
export const T_GSQ_MAX_RESP = 2;

/**
 * A host's row in `LanStats.hc` (Int32; `LanStats.hcf` the same bytes as Float64): what a report from it
 * reads and writes first (its reports, answers, last-seen time), then the counts a repeated report (a memo
 * again, below) does not touch until its memo is flushed.
 */
export const H_STRIDE = 20;
export const H_V3 = 0;
/** The index + 1 of the last general query it answered. */
export const H_ANSWERED = 1;
export const H_LATE = 2;
/** Groups it reported (each group's hosts are counted once, so this is their number). */
export const H_GROUPS = 3;
/** Float64 indexes in a row (`row / 2 +` these): last seen, first seen. */
export const H_LAST_F64 = 2;
export const H_FIRST_F64 = 3;
/** Float64 elements per host row. */
export const H_F64 = H_STRIDE / 2;
/** Records by type 0-6 at {@link H_R0} + type. */
export const H_R0 = 8;
export const H_V1 = 15;
export const H_V2 = 16;
export const H_LEAVE_MESSAGES = 17;
export const H_KEY = 18;

/**
 * A memo in `LanStats.memo` (Int32; `LanStats.memof` the same bytes as Float64): a host's report whose
 * records were all quiet, kept to be recognised when the host sends it again, found by its host and its
 * first record's group. 96 bytes.
 */
export const E_STRIDE = 24;
/** Its host's id + 1, its records; the host's address (what it is found by, with the first record's group). */
export const E_HOST = 0;
export const E_N = 1;
export const E_SRC = 5;
/**
 * The changes count it was kept at; its repeats since its counts were last added; whether it answers a
 * general query (1) and whether its records are refreshes alone, IS_EX({}) or TO_EX({}) (2).
 */
export const E_CHANGES = 2;
export const E_REPEATS = 3;
export const E_ANSWERS = 4;
/** Float64 index (`entry / 2 +` this): the time of its last repeat. */
export const E_MS_F64 = 3;
/**
 * Its records from here: per record its group's address, the slot the group had in the monitor's table
 * when the report was last taken by it (for `MonitorState.refreshRepeat`), its type, its group's id.
 */
export const E_RECORDS = 8;
export const E_RECORD = 4;
/** Records a memo holds at the most. */
export const MEMO_RECORDS = 4;
/**
 * Bytes per memo in `LanStats.memoFrames`, at 4 × its entry (as many bytes as its entry has): the length of
 * the frame it was kept from (0: none kept), the offset of that frame's IPv4 header, the one's-complement sum
 * of that header but its identification and checksum (16 bits, the high byte first), then the frame, 32-bit
 * aligned.
 */
export const FRAME_ROOM = 4 * E_STRIDE;
export const F_LENGTH = 0;
export const F_IP = 1;
export const F_SUM = 2;
export const F_BYTES = 4;

/** A member of a group: 0 the group's first (in its row), a `KeyedSets` slot + 1, or none. */
export const NO_MEMBER = -1;
export const FIRST_MEMBER = 0;
