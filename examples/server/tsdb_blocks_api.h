// The data of /api/v1/status/tsdb/blocks: the loaded blocks' meta.json in
// Prometheus 3.x's API form (tsdb.BlockMeta marshalled compactly):
//
//   {"blocks":[{"ulid":"01H...","minTime":0,"maxTime":7200000,
//     "stats":{"numSamples":480,"numFloatSamples":480,"numSeries":2,
//              "numChunks":4},
//     "compaction":{"level":1,"sources":["01H..."]},"version":1}]}
//
// Zero stats and empty compaction lists are left out (omitempty); every
// sample is a float sample.
//
// Thread safety: a pure function.

#ifndef VIGIL_EXAMPLES_SERVER_TSDB_BLOCKS_API_H_
#define VIGIL_EXAMPLES_SERVER_TSDB_BLOCKS_API_H_

#include <string>
#include <vector>

#include "libtsdb/block.h"

namespace vigil::server {

std::string TsdbBlocksJson(const std::vector<tsdb::BlockMeta>& blocks);

}  // namespace vigil::server

#endif  // VIGIL_EXAMPLES_SERVER_TSDB_BLOCKS_API_H_
